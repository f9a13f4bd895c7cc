"""The HTML of the second factor: the set-up page (QR code, key to type, first code), the
page of an active one (its removal), and the log-in's code form. Links are relative."""

from __future__ import annotations

from datetime import datetime, tzinfo

import segno

from bot.web.console.auth import TOTP_PATH, relative
from bot.web.console.render import escape, form, message, staff_nav, text_field, when
from bot.web.frame import paragraphs
from notifications import TOTP_DIGITS, StaffSession, TotpSetup, grouped

LOGIN_CODE_PATH = "/console/connexion/code"
DISABLE_PATH = TOTP_PATH + "/desactiver"
CODE_FIELD, CANCEL_FIELD = "code", "annuler"
SETUP_TITLE = "Double authentification"
CODE_TITLE = "Code de connexion"
CODE_HINT = f"Les {TOTP_DIGITS} chiffres que votre application affiche maintenant."
REQUIRED = (
    "Les administrateurs de la console doivent activer la double authentification avant "
    "toute autre action."
)
APPS = (
    "Installez sur votre téléphone une application d'authentification, si vous n'en avez pas "
    "déjà une\u00a0: par exemple FreeOTP, Aegis, Google Authenticator ou Microsoft "
    "Authenticator."
)


def code_field(error: bool) -> str:
    return text_field(
        CODE_FIELD,
        "Code à six chiffres",
        "text",
        "one-time-code",
        hint=CODE_HINT,
        inputmode="numeric",
        invalid=error,
    )


def qr_code(uri: str) -> str:
    """URI as a QR code in SVG, named for screen readers (its text equivalent follows it)."""
    title = "Code QR à scanner avec votre application d'authentification"
    # A viewBox without a size: the style sheet sizes it, narrower on a narrow screen.
    svg = segno.make(uri, error="m").svg_inline(
        dark="#000", light="#fff", title=title, svgclass="totp-qr", omitsize=True
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)


def setup_body(
    session: StaffSession,
    setup: TotpSetup,
    issuer: str,
    *,
    notice: str = "",
    error: str | None = None,
) -> str:
    """The set-up: install an app, give it the key (scanned or typed), type its first code.
    NOTICE: what was just done (a second factor removed)."""
    here = TOTP_PATH
    notice = message(REQUIRED if session.must_enrol else notice, error=False)
    steps = (
        '    <h2 id="etape-application">1. Une application sur votre téléphone</h2>\n'
        + paragraphs(APPS)
        + '\n    <h2 id="etape-cle">2. Ajoutez votre compte à l\'application</h2>\n'
        + paragraphs(
            "Dans l'application, choisissez d'ajouter un compte, puis scannez ce code QR\u00a0:"
        )
        + f'\n    <div class="totp-qr-frame">{qr_code(setup.uri)}</div>\n'
        + paragraphs("Vous ne pouvez pas scanner\u00a0? Saisissez plutôt cette clé\u00a0:")
        + f'\n    <p class="totp-secret"><code>{escape(grouped(setup.secret))}</code></p>\n'
        + paragraphs(
            f"Compte\u00a0: {session.account.email}. Émetteur\u00a0: {issuer}. "
            "Type\u00a0: basé sur l'heure, 6 chiffres, toutes les 30 secondes.",
            "Ne communiquez cette clé à personne\u00a0: elle ne sera plus affichée une fois "
            "la double authentification activée.",
        )
        + '\n    <h2 id="etape-code">3. Confirmez avec un premier code</h2>\n'
    )
    confirm = form(relative(here, here), session.csrf, [code_field(bool(error))], "Activer")
    parts = [staff_nav(here, session), notice, steps + message(error, error=True), confirm]
    return "\n".join(part for part in parts if part)


def active_body(
    session: StaffSession,
    since: datetime,
    zone: tzinfo,
    *,
    notice: str = "",
    error: str | None = None,
) -> str:
    """An active second factor: since when, and its removal (with a current code)."""
    here = TOTP_PATH
    status = (
        f"    <p>La double authentification est active sur votre compte depuis le "
        f"{when(since, zone)}. Chaque connexion demande, après le mot de passe, le code de "
        "votre application.</p>"
    )
    removal = (
        '    <h2 id="desactiver">Désactiver la double authentification</h2>\n'
        + paragraphs(
            "Vous changez de téléphone\u00a0? Désactivez-la avec un code de l'ancien, puis "
            "activez-la de nouveau avec le nouveau. Téléphone perdu\u00a0: demandez à un "
            "administrateur de réinitialiser votre compte."
        )
        + "\n"
        + message(error, error=True)
    )
    remove = form(
        relative(here, DISABLE_PATH),
        session.csrf,
        [code_field(bool(error))],
        "Désactiver la double authentification",
        "ask staff-form danger",
    )
    parts = [staff_nav(here, session), message(notice, error=False), status, removal, remove]
    return "\n".join(part for part in parts if part)


def code_body(here: str, csrf: str, email: str, *, error: str | None = None) -> str:
    """The log-in's second step, on the page at HERE: the code of the account EMAIL's app,
    or another account."""
    intro = paragraphs(
        f"Mot de passe accepté pour {email}.",
        "Ouvrez votre application d'authentification et saisissez le code de la console.",
    )
    send = form(relative(here, LOGIN_CODE_PATH), csrf, [code_field(bool(error))], "Valider")
    cancel_field = f'      <input type="hidden" name="{CANCEL_FIELD}" value="1">'
    other = form(
        relative(here, LOGIN_CODE_PATH), csrf, [cancel_field], "Changer de compte", "logout"
    )
    parts = [message(error, error=True), intro, send, other]
    return "\n".join(part for part in parts if part)
