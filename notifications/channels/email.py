"""The e-mail channel: an address checked without the DNS, a text and an HTML part.

Anyone can type someone else's address, so a subscriber confirms by a link before any alert
(double opt-in). The sender (aiosmtplib) is in email_sender.py, imported only when the worker
builds the channel.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from notifications.channels.base import AddressContext, ChannelPlugin, Params
from notifications.errors import InvalidAddress
from notifications.records import Envelope, EnvelopeKind, Notice
from notifications.render import (
    has_unsubscribe,
    headline,
    plain_body,
    plain_title,
    subscription_reason,
)


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str
    html: str


def email_address(address: str, params: Params, context: AddressContext) -> tuple[str, Params]:
    """An e-mail address, normalised (domain in lower case), without asking the DNS."""
    text = address.strip()
    if "@" not in text:
        raise InvalidAddress(f"« {address} » n'est pas une adresse e-mail : il manque le @")
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidAddress(f"« {address} » n'est pas une adresse e-mail valide") from error
    return checked.normalized, {}


def email_subject(envelope: Envelope) -> str:
    if envelope.kind == EnvelopeKind.CONFIRMATION:
        return f"Confirmez votre abonnement aux alertes de {envelope.commune}"
    return f"[{envelope.commune}] {plain_title(envelope)}"


def _html_notice(notice: Notice) -> str:
    parts = [f"<h2>{html.escape(headline(notice))}</h2>"]
    if notice.body:
        parts.append(f"<p>{html.escape(notice.body)}</p>")
    if notice.link:
        href = html.escape(notice.link, quote=True)
        parts.append(f'<p><a href="{href}">En savoir plus</a></p>')
    return "\n".join(parts)


def email_content(envelope: Envelope) -> EmailContent:
    subject = email_subject(envelope)
    if envelope.kind == EnvelopeKind.CONFIRMATION:
        notice = envelope.notices[0]
        text = f"{notice.body}\n\n{notice.link}\n"
        link = html.escape(notice.link or "", quote=True)
        body_html = (
            f"<p>{html.escape(notice.body)}</p>\n"
            f'<p><a href="{link}">Confirmer mon abonnement</a></p>'
        )
    else:
        text = plain_body(envelope) + "\n"
        if not envelope.is_digest:
            text = headline(envelope.notices[0]) + "\n\n" + text
        blocks = [_html_notice(n) for n in envelope.notices]
        if has_unsubscribe(envelope) and envelope.unsubscribe_url:
            href = html.escape(envelope.unsubscribe_url, quote=True)
            blocks.append(
                f"<hr><p><small>{html.escape(subscription_reason(envelope))} "
                f'<a href="{href}">Se désabonner</a></small></p>'
            )
        body_html = "\n".join(blocks)
    page = (
        '<!doctype html>\n<html lang="fr"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>\n<body>\n{body_html}\n</body></html>\n"
    )
    return EmailContent(subject, text, page)


def email_preview(envelope: Envelope) -> str:
    """The subject, then the text part."""
    mail = email_content(envelope)
    return f"Objet : {mail.subject}\n\n{mail.text}"


PLUGIN = ChannelPlugin(
    name="email",
    phrase="par e-mail",
    validate=email_address,
    render=email_preview,
    needs_confirmation=True,
    staff_enrolment=True,
    address_label="adresse e-mail",
    address_input="email",
)
