"""The counter (admins and agents): enrol a resident with the consent's provenance, find a
subscriber by exact address, export or erase their data on request.

- `GET /console/guichet`: the two forms, « Inscrire un habitant » and « Retrouver un abonné »;
- `POST /console/guichet/inscrire`: the person enrolled (their confirmation requested), then
  what is held on them; an address already subscribed is only shown, unchanged;
- `POST /console/guichet/rechercher`: the subscriber at exactly that address;
- `POST /console/guichet/exporter`: their data, a JSON file to download;
- `POST /console/guichet/effacer`: first a confirmation naming the address, then the erasure.

A subscriber is always named by channel and exact address in a posted form, never by number
in a link: there is nothing to browse, and no address in a URL (logs, history).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from arobase.hours_text import capitalize
from bot.web.alerts import alerts_context
from bot.web.console import counter_actions as work
from bot.web.console.announcement_pages import places_of
from bot.web.console.auth import (
    MAX_FORM_FIELDS,
    Endpoint,
    app_path,
    check_session_csrf,
    read_form,
    read_form_lists,
    require,
    see_other,
)
from bot.web.console.counter_render import (
    CONFIRM_HINT,
    ENROL_PATH,
    ERASE_PATH,
    EXPORT_PATH,
    FIND_PATH,
    Enrolment,
    Offer,
    Outcome,
    start_body,
)
from bot.web.console.counter_subscriber import (
    CONFIRM_FIELD,
    CONFIRMED,
    erase_body,
    subscriber_body,
)
from bot.web.console.pages import page
from bot.web.console.render import COUNTER_PATH, staff_nav
from bot.web.frame import sentence
from bot.web.street_choice import town_streets
from notifications import (
    Hub,
    InvalidAddress,
    InvalidInput,
    Role,
    StaffSession,
    SubscriberFile,
    UnknownChannel,
    UnknownStreet,
    UnknownTopic,
    channel_phrase,
    enrolment_channels,
)

T = TypeVar("T")
AGENTS = (Role.ADMIN, Role.AGENT)
TITLE = "Guichet"
ERASED = ("efface", "oui")  # the query that says an erasure was just made
ERASED_TEXT = "Les données de l'abonné sont effacées."
ENROLLED_TEXT = "L'inscription est enregistrée. " + CONFIRM_HINT
ALREADY = "Cette adresse est déjà inscrite : voici ce qui est enregistré. Rien n'a été modifié."
NOBODY = (
    "Aucun abonné n'a cette adresse. Vérifiez-la caractère par caractère : seule l'adresse "
    "exacte retrouve un abonné."
)
NO_TARGET = "Indiquez l'adresse exacte de l'abonné."
GONE = "Aucun abonné n'a cette adresse : ses données ont peut-être déjà été effacées."
FIELD_OF = {
    InvalidAddress: "adresse",
    UnknownTopic: "themes",
    UnknownChannel: "canal",
    UnknownStreet: "rue",
}


def offer(request: Request) -> Offer:
    """What the counter's forms offer, from the registry and the town file."""
    town = alerts_context(request).town
    return Offer(
        {name: channel_phrase(name) for name in enrolment_channels()},
        {key: topic.label for key, topic in town.topics.items()},
        town_streets(town),
    )


def start_page(
    request: Request,
    session: StaffSession,
    typed: tuple[Enrolment, tuple[str, str]] = (Enrolment(), ("", "")),
    outcomes: tuple[Outcome, Outcome] = (Outcome(), Outcome()),
    status: int = 200,
) -> Response:
    """The two forms, TYPED's values in them, each with its OUTCOME above it."""
    here = app_path(request)
    nav = staff_nav(here, session)
    enrolled, found = outcomes
    body = start_body(nav, session.csrf, offer(request), typed, enrolled, found, here)
    error = enrolled.error or found.error
    return page(request, TITLE, body, status=status, error=error)


def subscriber_page(
    request: Request, session: StaffSession, file: SubscriberFile, notice: str = ""
) -> Response:
    alerts = alerts_context(request)
    nav = staff_nav(app_path(request), session)
    view = (offer(request).topics, alerts.town.commune.zone, places_of(request))
    body = subscriber_body(nav, session.csrf, file, view, notice)
    title = f"Abonné : {capitalize(channel_phrase(file.held.subscriber.channel))}"
    return page(request, title, body)


@require(*AGENTS)
async def counter_page(request: Request, session: StaffSession) -> Response:
    """GET /console/guichet: the two forms (and the outcome of an erasure just made)."""
    erased = request.query_params.get(ERASED[0]) == ERASED[1]
    return start_page(
        request, session, outcomes=(Outcome(), Outcome(ERASED_TEXT if erased else ""))
    )


@require(*AGENTS)
async def enrol_action(request: Request, session: StaffSession) -> Response:
    """POST /console/guichet/inscrire: the person enrolled, then their page; the form again
    (422) with what to correct."""
    channels, topics, _ = offer(request)
    fields = await read_form_lists(request, MAX_FORM_FIELDS + len(topics))
    check_session_csrf(session, {key: values[0] for key, values in fields.items()})
    typed = work.enrolment_of(fields)

    def refused(text: str, invalid: str | None) -> Response:
        outcome = Outcome(text, error=True, invalid=invalid)
        return start_page(request, session, (typed, ("", "")), (outcome, Outcome()), 422)

    if (problem := work.problem_of(typed, channels)) is not None:
        return refused(*problem)
    try:
        file, created = await alerts_context(request).run(work.enrol, typed, session.account.email)
    except (InvalidAddress, InvalidInput, UnknownTopic, UnknownChannel) as error:
        return refused(sentence(str(error)), FIELD_OF.get(type(error)))
    return subscriber_page(request, session, file, ENROLLED_TEXT if created else ALREADY)


async def target_of(request: Request, session: StaffSession) -> tuple[dict[str, str], work.Target]:
    """A posted form naming a subscriber (its CSRF checked): the form, (channel, address)."""
    form = await read_form(request)
    check_session_csrf(session, form)
    return form, (form.get("canal", ""), form.get("adresse", "").strip())


@require(*AGENTS)
async def find_action(request: Request, session: StaffSession) -> Response:
    """POST /console/guichet/rechercher: the subscriber at exactly that address, or the form
    again saying nobody is there (an address that cannot be one: 422)."""
    _, target = await target_of(request, session)
    channel, address = target
    typed = (Enrolment(), target)
    if channel not in offer(request).channels or not address:
        outcome = Outcome(NO_TARGET, error=True, invalid="adresse")
        return start_page(request, session, typed, (Outcome(), outcome), 422)
    try:
        file = await alerts_context(request).run(work.look_up, target, session.account.email)
    except InvalidAddress as error:
        outcome = Outcome(sentence(str(error)), error=True, invalid="adresse")
        return start_page(request, session, typed, (Outcome(), outcome), 422)
    if file is None:
        return start_page(request, session, typed, (Outcome(), Outcome(NOBODY)))
    return subscriber_page(request, session, file)


@require(*AGENTS)
async def export_action(request: Request, session: StaffSession) -> Response:
    """POST /console/guichet/exporter: every datum held, as a JSON file to download."""
    _, target = await target_of(request, session)
    found = await run_on(request, work.export, target, session.account.email)
    subscriber_id, document = found
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    disposition = f'attachment; filename="abonne-{subscriber_id}.json"'
    return Response(
        text,
        media_type="application/json",
        headers={"content-disposition": disposition, "x-content-type-options": "nosniff"},
    )


@require(*AGENTS)
async def erase_action(request: Request, session: StaffSession) -> Response:
    """POST /console/guichet/effacer: without its confirmation, the page that asks for it
    (naming the address); with it, everything held erased, then the counter (303)."""
    form, target = await target_of(request, session)
    actor = session.account.email
    if form.get(CONFIRM_FIELD) != CONFIRMED:
        file = await run_on(request, work.look_up, target, actor)
        nav = staff_nav(app_path(request), session)
        body = erase_body(nav, session.csrf, file.held.subscriber)
        return page(request, "Effacer les données d'un abonné", body)
    await run_on(request, work.erase, target, actor)
    return see_other(request, f"{COUNTER_PATH}?{ERASED[0]}={ERASED[1]}")


async def run_on(
    request: Request,
    operation: Callable[[Hub, work.Target, str], T | None],
    target: work.Target,
    actor: str,
) -> T:
    """OPERATION on the subscriber at TARGET; 404 when nobody is there (or it cannot be)."""
    try:
        result = await alerts_context(request).run(operation, target, actor)
    except (InvalidAddress, UnknownChannel):
        result = None
    if not result:
        raise HTTPException(404, GONE)
    return result


def handlers() -> dict[str, dict[str, Endpoint]]:
    """This section's pages, for the console's routes."""
    return {
        COUNTER_PATH: {"GET": counter_page},
        ENROL_PATH: {"POST": enrol_action},
        FIND_PATH: {"POST": find_action},
        EXPORT_PATH: {"POST": export_action},
        ERASE_PATH: {"POST": erase_action},
    }
