"""The text every channel builds on: headlines, plain text, dates, why the message came and
how to unsubscribe. Pure; each channel's own form (Telegram HTML, e-mail, push JSON) is in its
module under notifications/channels/.

Plain French, short, the link last; every message but Telegram's says how to unsubscribe.
"""

from __future__ import annotations

from collections.abc import Iterable

from arobase.hours_text import day_month, join_and
from notifications.records import Envelope, EnvelopeKind, Notice

URGENT_MARK = "URGENT"


def french_date(notice: Notice) -> str:
    """'26 novembre 2026', '1er décembre 2026': the day of notice.when, in its own zone
    (`decide.envelopes.notice_of` gives it in the town's)."""
    return f"{day_month(notice.when)} {notice.when.year}"


def headline(notice: Notice) -> str:
    return f"{URGENT_MARK} : {notice.title}" if notice.urgent else notice.title


def quoted_labels(labels: Iterable[str]) -> str:
    """'« Travaux »', '« Travaux » et « Écoles »', '« A », « B » et « C »'."""
    return join_and([f"« {label} »" for label in labels])


def topics_phrase(envelope: Envelope) -> str:
    return quoted_labels(sorted({label for n in envelope.notices for label in n.topic_labels}))


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
    return envelope.kind != EnvelopeKind.CONFIRMATION and envelope.unsubscribe_url is not None


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
