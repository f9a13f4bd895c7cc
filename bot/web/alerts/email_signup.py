"""The e-mail sign-up page, with double opt-in (plain HTML: it works without JavaScript):

- `GET /alertes/email`: the form: an address, the topics;
- `POST /alertes/email`: the same answer whether the address was new, waiting for its
  confirmation or already confirmed (notifications/signup.py says what each gets); an address
  or topics that cannot be subscribed get the form again with the reason (422).

Refused, as a page with the reason: a post from another site's page (403), beyond
`alerts_rate` posts per client (429, with Retry-After), a body over 16 KiB (413) or unreadable
(400). Beyond `alerts_address_rate` requests for one address, from whatever client, the answer
is the same and no e-mail leaves: nobody can flood a mailbox, nor learn anything from it.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from arobase.streets import typed_street
from bot.web.alerts.api import NO_TOPIC, same_site_only, within_rate
from bot.web.alerts.pages import FROM_ALERTS, NO_STORE, html_page
from bot.web.alerts.state import AlertsContext, alerts_context
from bot.web.alerts.topics import topic_checkboxes
from bot.web.common import read_form_lists
from bot.web.frame import notice_page, paragraphs, sentence
from bot.web.street_choice import street_field
from notifications import ALERTS_PATH, HubError, UnknownStreet, email_sign_up

logger = logging.getLogger(__name__)

SIGNUP_PATH = f"{ALERTS_PATH}/email"
KIND = "email"  # the per-client count of these posts, apart from Web Push's
MAX_FIELDS = 40  # an address and the town's topics, with room
MAX_ADDRESS = 320  # longer is no address (RFC 5321's 64 + 1 + 255), refused unread
TITLE = "Recevoir les alertes par e-mail"
FOREIGN_SITE = (
    "Cette demande ne vient pas du site de la mairie, elle a été refusée. Pour recevoir les "
    "alertes par e-mail, ouvrez la page des alertes sur le site de la mairie."
)
NO_ADDRESS = "Écrivez votre adresse e-mail."
TOO_LONG = "Cette adresse e-mail est trop longue."


@dataclass(frozen=True)
class Typed:
    """What the person typed, shown again with the form when it comes back."""

    address: str = ""
    street: str = ""
    topics: tuple[str, ...] = ()


def form_html(
    alerts: AlertsContext, typed: Typed = Typed(), error: str = "", field: str = "adresse"
) -> str:
    """The sign-up form; ERROR above it, tied to FIELD (« adresse » or « rue »), when the
    last try failed."""
    alert = on_address = ""
    if error:
        said = html.escape(error, quote=False)
        alert = f'    <p id="signup-error" class="error" role="alert">{said}</p>\n'
    if error and field == "adresse":
        on_address = ' aria-invalid="true" aria-describedby="signup-error"'
    value = html.escape(typed.address, quote=True)
    days = alerts.settings.confirm_days
    return (
        paragraphs(
            "Recevez par e-mail les nouvelles de la mairie sur les sujets que vous choisissez.",
            "Nous vous enverrons d'abord un e-mail avec un lien : ouvrez-le et appuyez sur "
            f"« Confirmer mon abonnement ». Sans confirmation sous {days} jours, nous effaçons "
            "votre adresse.",
        )
        + "\n"
        + alert
        + '    <form method="post" action="email" class="alerts">\n'
        '      <p class="field">\n'
        '        <label for="adresse">Votre adresse e-mail</label>\n'
        f'        <input type="email" id="adresse" name="adresse" value="{value}" required'
        f' autocomplete="email" maxlength="{MAX_ADDRESS}" spellcheck="false"{on_address}>\n'
        "      </p>\n"
        + street_field(
            alerts.town, typed.street, "signup-error" if error and field == "rue" else None
        )
        + '      <fieldset class="topics">\n'
        "        <legend>Choisissez vos sujets</legend>\n"
        '        <p class="hint">Cochez un ou plusieurs sujets.</p>\n'
        f'        <ul class="topic-list">\n{topic_checkboxes(alerts.town, typed.topics)}\n'
        "        </ul>\n"
        "      </fieldset>\n"
        '      <p class="actions"><button type="submit" class="action">'
        "Recevoir les alertes par e-mail</button></p>\n"
        "    </form>\n"
        + paragraphs(
            "Nous gardons votre adresse, votre secteur et vos sujets tant que vous êtes "
            "abonné(e). Chaque e-mail contient un lien pour vous désabonner : nous effaçons "
            "alors vos données."
        )
        + '\n    <p><a href="../confidentialite">Vos données personnelles</a> · '
        '<a href="../alertes">Les alertes sur cet appareil</a></p>'
    )


def signup_page(
    alerts: AlertsContext, body: str, status: int = 200, headers: dict[str, str] | None = None
) -> HTMLResponse:
    page = notice_page(alerts.town, TITLE, body, to_root=FROM_ALERTS, stylesheets=("alertes.css",))
    return HTMLResponse(page, status_code=status, headers={**NO_STORE, **(headers or {})})


def sent_page(alerts: AlertsContext) -> HTMLResponse:
    """The one answer to every sign-up that could be recorded."""
    body = paragraphs(
        "Merci. Si cette adresse peut recevoir nos alertes, un e-mail vient de lui être envoyé.",
        "Ouvrez-le et appuyez sur « Confirmer mon abonnement » : aucune alerte ne part avant. "
        "Regardez aussi dans les courriers indésirables.",
        "Si vous étiez déjà abonné(e), rien ne change.",
    )
    return signup_page(alerts, body)


@html_page
async def signup_form(request: Request) -> Response:
    """GET /alertes/email: the form."""
    alerts = alerts_context(request)
    await alerts.hub()  # an unusable database is said first
    return signup_page(alerts, form_html(alerts))


def check_typed(typed: Typed) -> None:
    """422 when the address is absent or overlong, or no topic is ticked."""
    if not typed.address:
        raise HTTPException(422, NO_ADDRESS)
    if len(typed.address) > MAX_ADDRESS:
        raise HTTPException(422, TOO_LONG)
    if not typed.topics:
        raise HTTPException(422, NO_TOPIC)


@html_page
async def signup_action(request: Request) -> Response:
    """POST /alertes/email: the same answer for every address that can be subscribed."""
    alerts = alerts_context(request)
    typed = Typed()
    try:
        same_site_only(request, alerts, FOREIGN_SITE)
        within_rate(request, alerts, alerts.limit, KIND)
        fields = await read_form_lists(request, MAX_FIELDS)
        typed = Typed(
            (fields.get("adresse") or [""])[0].strip(),
            typed_street((fields.get("rue") or [""])[0]),
            tuple(fields.get("topics", [])),
        )
        check_typed(typed)
        if alerts.address_limit.hit(KIND, typed.address.casefold()):
            await alerts.run(email_sign_up, typed.address, typed.topics, typed.street or None)
            logger.info("Alerts: an e-mail sign-up was asked")
        else:
            logger.warning("Alerts: e-mail sign-ups for one address beyond its limit")
    except HTTPException as refused:
        body = form_html(alerts, typed, refused.detail)
        return signup_page(alerts, body, refused.status_code, refused.headers)
    except UnknownStreet as refused:
        return signup_page(alerts, form_html(alerts, typed, sentence(str(refused)), "rue"), 422)
    except HubError as refused:
        return signup_page(alerts, form_html(alerts, typed, sentence(str(refused))), 422)
    return sent_page(alerts)


def signup_routes() -> list[Route]:
    return [
        Route(SIGNUP_PATH, signup_form, methods=["GET"]),
        Route(SIGNUP_PATH, signup_action, methods=["POST"]),
    ]
