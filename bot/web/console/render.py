"""The console's HTML: its frame, its forms, the home page, the audit log and the refusals.

Every link is relative to the page it is in (the app may sit under a path prefix).
"""

from __future__ import annotations

import html
from datetime import datetime, tzinfo

from arobase.hours_text import capitalize
from arobase.town import Town
from bot.web.console.auth import CONSOLE_PATH, CSRF_FIELD, LOGIN_PATH, TOTP_PATH, relative
from bot.web.frame import notice_page, paragraphs
from notifications import PASSWORD_MIN, AuditEntry, Role, StaffSession

LOGOUT_PATH = "/console/deconnexion"
JOURNAL_PATH = "/console/journal"
ANNOUNCEMENTS_PATH = "/console/annonces"
DASHBOARD_PATH = "/console/tableau-de-bord"
CONTENT_PATH = "/console/contenu"
COUNTER_PATH = "/console/guichet"
QUESTIONS_PATH = "/console/questions"  # residents' questions to review (questions.py)
CONVERSATIONS_PATH = "/console/conversations"
CONSOLE_TITLE = "Console de la mairie"
ERROR_ID = "form-error"

ROLE_NAMES = {Role.ADMIN: "administrateur", Role.EDITOR: "éditeur", Role.AGENT: "agent d'accueil"}


def escape(text: str) -> str:
    """TEXT for an element's content (an apostrophe stays one: screen readers and tests
    read the text)."""
    return html.escape(text, quote=False)


def attr(value: str) -> str:
    """VALUE for an attribute between double quotes."""
    return html.escape(value, quote=True)


def frame(town: Town, here: str, title: str, body: str, *, error: bool = False) -> str:
    """A console page: the town's frame (bot/web/frame.py) with the console's style sheet,
    TITLE as its heading, then BODY (HTML, already escaped). ERROR: the page answers a
    refused form, which its title says first (screen readers read it on arrival)."""
    to_root = relative(here, "/")
    page = notice_page(town, title, body, to_root=to_root, stylesheets=["console.css"])
    return page.replace("<title>", "<title>Erreur\u00a0: ", 1) if error else page


def message(text: str | None, *, error: bool) -> str:
    """A form's outcome, announced: an error (role=alert) or a confirmation (role=status)."""
    if not text:
        return ""
    if error:
        return f'    <p class="error" id="{ERROR_ID}" role="alert">{escape(text)}</p>'
    return f'    <p class="status is-ok" role="status">{escape(text)}</p>'


def text_field(name: str, label: str, kind: str, autocomplete: str, **options: str | bool) -> str:
    """A labelled input; OPTIONS: value, hint, invalid (described by the form's error),
    inputmode (the keyboard a phone shows)."""
    hint = str(options.get("hint", ""))
    described = [f"{name}-hint"] if hint else []
    attributes = f'id="{name}" name="{name}" type="{kind}" autocomplete="{autocomplete}" required'
    if kind == "password":
        attributes += ' spellcheck="false"'
    if options.get("inputmode"):
        attributes += f' inputmode="{attr(str(options["inputmode"]))}" spellcheck="false"'
    if options.get("value"):
        attributes += f' value="{attr(str(options["value"]))}"'
    if options.get("invalid"):
        attributes += ' aria-invalid="true"'
        described.append(ERROR_ID)
    if described:
        attributes += f' aria-describedby="{" ".join(described)}"'
    hint_html = f'\n        <p class="hint" id="{name}-hint">{escape(hint)}</p>' if hint else ""
    return (
        f'      <div class="field">\n        <label for="{name}">{escape(label)}</label>'
        f"{hint_html}\n        <input {attributes}>\n      </div>"
    )


def form(
    action: str, csrf: str, fields: list[str], button: str, css: str = "ask staff-form"
) -> str:
    """A POST form to ACTION (relative) with its CSRF field, FIELDS and one submit button."""
    inner = "\n".join(fields)
    return (
        f'    <form method="post" action="{attr(action)}" class="{css}">\n'
        f'      <input type="hidden" name="{CSRF_FIELD}" value="{attr(csrf)}">\n'
        + (inner + "\n" if inner else "")
        + f'      <button type="submit" class="action">{escape(button)}</button>\n'
        "    </form>"
    )


def login_body(
    csrf: str,
    *,
    email: str = "",
    error: str | None = None,
    notice: str = "",
    here: str = LOGIN_PATH,
) -> str:
    """The log-in form (posted to LOGIN_PATH from the page at HERE), with the refused
    attempt's error or a notice."""
    invalid = error is not None
    fields = [
        text_field("email", "Adresse e-mail", "email", "username", value=email, invalid=invalid),
        text_field("password", "Mot de passe", "password", "current-password", invalid=invalid),
    ]
    return "\n".join(
        part
        for part in (
            message(error, error=True),
            message(notice, error=False),
            form(relative(here, LOGIN_PATH), csrf, fields, "Se connecter"),
        )
        if part
    )


def password_body(action: str, csrf: str, *, error: str | None = None) -> str:
    """The form that sets a password from a one-time link; ACTION keeps the link's token."""
    invalid = error is not None
    hint = f"Au moins {PASSWORD_MIN} caractères. Une phrase facile à retenir convient très bien."
    fields = [
        text_field(
            "password",
            "Nouveau mot de passe",
            "password",
            "new-password",
            hint=hint,
            invalid=invalid,
        ),
        text_field(
            "confirmation", "Confirmez le mot de passe", "password", "new-password", invalid=invalid
        ),
    ]
    return "\n".join(
        part
        for part in (
            message(error, error=True),
            form(action, csrf, fields, "Enregistrer le mot de passe"),
        )
        if part
    )


def staff_nav(here: str, session: StaffSession, waiting: int | None = None) -> str:
    """The logged-in pages' menu, by role (each page checks the role again), and the log-out
    button: the dashboard, announcements and town content for admins and editors, the counter
    for admins and agents, the audit log for admins, the second factor for everyone. The
    conversations handed over by the assistant are everyone's, with how many WAITING for an
    agent when the page knows (in words: no colour alone says it)."""
    role = session.account.role
    links = [("Accueil de la console", CONSOLE_PATH)]
    if role in (Role.ADMIN, Role.EDITOR):
        links += [
            ("Tableau de bord", DASHBOARD_PATH),
            ("Annonces", ANNOUNCEMENTS_PATH),
            ("Contenu de la commune", CONTENT_PATH),
            ("Questions des habitants", QUESTIONS_PATH),
        ]
    if role in (Role.ADMIN, Role.AGENT):
        links.append(("Guichet", COUNTER_PATH))
    links.append((conversations_label(waiting), CONVERSATIONS_PATH))
    if role is Role.ADMIN:
        links.append(("Journal des actions", JOURNAL_PATH))
    links.append(("Double authentification", TOTP_PATH))
    items = "\n".join(
        f'        <li><a href="{attr(relative(here, path))}"'
        + (' aria-current="page"' if path == here else "")
        + f">{escape(label)}</a></li>"
        for label, path in links
    )
    logout = form(relative(here, LOGOUT_PATH), session.csrf, [], "Se déconnecter", "logout")
    return (
        '    <nav class="staff-nav" aria-label="Console">\n'
        f'      <ul class="staff-menu">\n{items}\n      </ul>\n'
        f"{logout.replace(chr(10), chr(10) + '  ')}\n"
        "    </nav>"
    )


def conversations_label(waiting: int | None) -> str:
    """ "Conversations", or "Conversations (2 en attente)"."""
    return f"Conversations ({waiting}\u00a0en attente)" if waiting else "Conversations"


def home_body(session: StaffSession) -> str:
    account = session.account
    who = (
        f"    <p>Vous êtes connecté(e) avec l'adresse <strong>{escape(account.email)}</strong>."
        f"</p>\n    <p>Votre rôle\u00a0: <strong>{escape(ROLE_NAMES[account.role])}</strong>.</p>"
    )
    return "\n".join([staff_nav(CONSOLE_PATH, session), who])


def when(at: datetime, zone: tzinfo) -> str:
    """An entry's moment in the town's time, as a <time> element."""
    local = at.astimezone(zone)
    return f'<time datetime="{local.isoformat()}">{local:%d/%m/%Y %H:%M}</time>'


def journal_row(entry: AuditEntry, zone: tzinfo) -> str:
    cells = [escape(entry.actor), escape(capitalize(entry.action)), escape(entry.detail)]
    return (
        f"          <tr><td>{when(entry.at, zone)}</td>"
        + "".join(f"<td>{cell}</td>" for cell in cells)
        + "</tr>"
    )


def journal_body(session: StaffSession, entries: list[AuditEntry], zone: tzinfo) -> str:
    """The audit log, newest first, in a table."""
    parts = [staff_nav(JOURNAL_PATH, session)]
    if not entries:
        parts.append(paragraphs("Aucune action n'est enregistrée pour le moment."))
        return "\n".join(parts)
    rows = "\n".join(journal_row(entry, zone) for entry in entries)
    caption = f"Les {len(entries)} dernières actions, de la plus récente à la plus ancienne"
    heads = ["Date", "Personne", "Action", "Détail"]
    parts.append(data_table("journal", caption, heads, rows))
    return "\n".join(parts)


def refusal_body(here: str, text: str) -> str:
    """A refused request's page: why, and the way back to the console."""
    back = attr(relative(here, CONSOLE_PATH))
    return paragraphs(text) + f'\n    <p><a href="{back}">Revenir à la console</a></p>'


def data_table(ident: str, caption: str, heads: list[str], rows: str) -> str:
    """A table with its caption and column headers, in a region that scrolls sideways on a
    narrow screen (keyboard-focusable, named by its caption)."""
    header = "".join(f'<th scope="col">{escape(head)}</th>' for head in heads)
    return (
        f'    <div class="table-scroll" role="region" aria-labelledby="{ident}-caption" '
        'tabindex="0">\n'
        '      <table class="journal">\n'
        f'        <caption id="{ident}-caption">{escape(caption)}</caption>\n'
        f"        <thead><tr>{header}</tr></thead>\n"
        f"        <tbody>\n{rows}\n        </tbody>\n"
        "      </table>\n"
        "    </div>"
    )
