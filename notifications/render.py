"""How each channel shows a message: pure functions from an envelope to text, HTML or JSON.

Plain French, short, the link last; every message but Telegram's says how to unsubscribe.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from arobase.hours_text import day_month, join_and
from notifications.records import Envelope, Notice

TELEGRAM_MAX_CHARS = 4096
PUSH_MAX_BYTES = 3000  # under the 4 KB that push services accept, after encryption overhead
URGENT_MARK = "URGENT"


def french_date(notice: Notice) -> str:
    """'26 novembre 2026', '1er décembre 2026': the day of notice.when, in its own zone
    (`messages.notice_of` gives it in the town's)."""
    return f"{day_month(notice.when)} {notice.when.year}"


def headline(notice: Notice) -> str:
    return f"{URGENT_MARK} : {notice.title}" if notice.urgent else notice.title


def quoted_labels(labels: Iterable[str]) -> str:
    """'« Travaux »', '« Travaux » et « Écoles »', '« A », « B » et « C »'."""
    return join_and([f"« {label} »" for label in labels])


def topics_phrase(envelope: Envelope) -> str:
    return quoted_labels(sorted({label for n in envelope.notices for label in n.topic_labels}))


# --- plain text (apprise, e-mail text part, previews) -------------------------------------


def notice_details(notice: Notice) -> str:
    """A notice's body and link, without its headline."""
    parts = []
    if notice.body:
        parts.append(notice.body)
    if notice.link:
        parts.append(f"En savoir plus : {notice.link}")
    return "\n".join(parts)


def notice_text(notice: Notice) -> str:
    details = notice_details(notice)
    return f"{headline(notice)}\n{details}" if details else headline(notice)


def subscription_reason(envelope: Envelope) -> str:
    """Why the message came: 'Vous recevez ce message car … de Trilport.'"""
    return (
        f"Vous recevez ce message car vous êtes abonné(e) aux alertes {topics_phrase(envelope)} "
        f"de {envelope.commune}."
    )


def has_unsubscribe(envelope: Envelope) -> bool:
    return envelope.kind != "confirmation" and envelope.unsubscribe_url is not None


def unsubscribe_text(envelope: Envelope) -> str:
    if not has_unsubscribe(envelope):
        return ""
    return f"{subscription_reason(envelope)} Pour vous désabonner : {envelope.unsubscribe_url}"


def digest_title(envelope: Envelope) -> str:
    day = french_date(envelope.notices[-1])
    return f"{envelope.commune} : {len(envelope.notices)} nouvelles du {day}"


def plain_title(envelope: Envelope) -> str:
    if envelope.is_digest:
        return digest_title(envelope)
    return headline(envelope.notices[0])


def plain_body(envelope: Envelope) -> str:
    """The body, without the title, as apprise services and the e-mail text part show it."""
    if envelope.is_digest:
        blocks = [notice_text(n) for n in envelope.notices]
    else:
        blocks = [notice_details(envelope.notices[0])]
    footer = unsubscribe_text(envelope)
    return "\n\n".join([*blocks, footer] if footer else blocks).strip()


# --- Telegram (HTML parse mode) -------------------------------------------------------------


def telegram_notice(notice: Notice) -> str:
    parts = [f"<b>{html.escape(headline(notice))}</b>"]
    if notice.body:
        parts.append(html.escape(notice.body))
    if notice.link:
        parts.append(f'<a href="{html.escape(notice.link, quote=True)}">En savoir plus</a>')
    return "\n".join(parts)


def fitted_telegram_notice(notice: Notice, budget: int) -> str:
    """telegram_notice, its body shortened with "…" so that it fits in `budget` characters.

    The plain body is cut, not the HTML, so that no tag or entity is ever cut in half.
    """
    text = telegram_notice(notice)
    while len(text) > budget and notice.body:
        excess = len(text) - budget
        body = notice.body[: max(0, len(notice.body) - excess - 1)].rstrip()
        notice = replace(notice, body=body + "…" if body else "")
        text = telegram_notice(notice)
    return text


def telegram_text(envelope: Envelope) -> str:
    """HTML for sendMessage within Telegram's limit: a long digest keeps its newest entries,
    a long message is shortened."""
    footer = "\n\n<i>Gérer vos alertes : /alertes</i>"
    if not envelope.is_digest:
        budget = TELEGRAM_MAX_CHARS - len(footer)
        return fitted_telegram_notice(envelope.notices[0], budget) + footer
    head = f"<b>{html.escape(digest_title(envelope))}</b>"
    blocks = [telegram_notice(n) for n in envelope.notices]
    while len(blocks) > 1 and len("\n\n".join([head, *blocks]) + footer) > TELEGRAM_MAX_CHARS:
        blocks.pop(0)
    budget = TELEGRAM_MAX_CHARS - len(head) - len(footer) - 2
    if len(blocks[0]) > budget:  # the newest entry alone is too long: shorten it
        blocks = [fitted_telegram_notice(envelope.notices[-1], budget)]
    return "\n\n".join([head, *blocks]) + footer


# --- e-mail ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str
    html: str


def email_subject(envelope: Envelope) -> str:
    if envelope.kind == "confirmation":
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
    if envelope.kind == "confirmation":
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


# --- Web Push -------------------------------------------------------------------------------


def push_payload(envelope: Envelope) -> dict[str, Any]:
    """The JSON the town's service worker shows as a notification."""
    first = envelope.notices[-1]
    body = plain_body(envelope) if envelope.is_digest else first.body
    payload: dict[str, Any] = {
        "title": plain_title(envelope),
        "body": body,
        "url": first.link,
        "tag": f"arobase-{first.message_id}",
        "urgent": any(n.urgent for n in envelope.notices),
        "unsubscribe": envelope.unsubscribe_url,
    }
    # Stop once the body is gone: a huge title or link alone must not loop for ever.
    while len(json.dumps(payload, ensure_ascii=False).encode()) > PUSH_MAX_BYTES and payload[
        "body"
    ] not in ("", "…"):
        payload["body"] = payload["body"][: max(0, len(payload["body"]) - 200)].rstrip() + "…"
    return payload


def preview(envelope: Envelope) -> dict[str, str]:
    """What each channel would send, for `arobase messages preview`."""
    mail = email_content(envelope)
    return {
        "telegram": telegram_text(envelope),
        "email": f"Objet : {mail.subject}\n\n{mail.text}",
        "webpush": json.dumps(push_payload(envelope), ensure_ascii=False, indent=1),
        "apprise": f"{plain_title(envelope)}\n\n{plain_body(envelope)}",
    }
