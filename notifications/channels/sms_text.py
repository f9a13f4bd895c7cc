"""SMS texts: what a text costs in segments (GSM-7 or UCS-2), and an alert written to fit two.

Pure. A segment carries 160 GSM-7 characters (153 in a text of several) or 70 UCS-2 ones (67):
one « ê » or « ç » outside the GSM-7 alphabet makes the whole text UCS-2, more than doubling
its cost. French letters missing from GSM-7 are therefore written with their nearest GSM-7
letter (« fête » → « fete »), as French SMS services do; é, è, à, ù and Ç are in GSM-7 and stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

from notifications.links import as_sent
from notifications.records import Envelope, EnvelopeKind, Notice
from notifications.render import digest_title, headline

GSM_CODEC = "gsm03.38"
MAX_SEGMENTS = 2  # an alert never costs more than this many segments
ELLIPSIS = "..."  # three GSM-7 characters; « … » is not in the alphabet
STOP_LABEL = "Stop : "

# Letters and signs French texts use that GSM-7 lacks, each with the GSM-7 text read the same.
GSM_LOOKALIKES = str.maketrans(
    {
        "â": "a", "ê": "e", "ë": "e", "î": "i", "ï": "i", "ô": "o", "û": "u",
        "ç": "c", "œ": "oe", "Â": "A", "À": "A", "Ê": "E", "È": "E", "Ë": "E",
        "Î": "I", "Ï": "I", "Ô": "O", "Û": "U", "Ù": "U", "Œ": "OE",
        "’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-",
        "…": ELLIPSIS, "\u00a0": " ", "\u202f": " ", "\u2009": " ",
    }
)  # fmt: skip


@dataclass(frozen=True)
class SegmentRule:
    encoding: str
    single: int  # characters in a text of one segment
    part: int  # characters per segment in a text of several (the rest holds the joining header)


GSM7 = SegmentRule("GSM-7", 160, 153)
UCS2 = SegmentRule("UCS-2", 70, 67)


@dataclass(frozen=True)
class SmsCost:
    """What one text costs: its encoding, its length in that encoding's units, its segments."""

    encoding: str
    units: int
    segments: int


GUILLEMETS = re.compile(r"«\s*|\s*»")  # « entrée », spaces inside as French writes them


def gsm_friendly(text: str) -> str:
    """TEXT with the French letters GSM-7 lacks replaced by their nearest GSM-7 letters."""
    return GUILLEMETS.sub('"', text).translate(GSM_LOOKALIKES)


def _units(text: str) -> tuple[SegmentRule, int]:
    try:
        # An extension character (€, [, ], {, }, ~, ^, |, \) takes two septets.
        return GSM7, len(text.encode(GSM_CODEC))
    except UnicodeEncodeError:
        return UCS2, len(text.encode("utf-16-le")) // 2  # an emoji takes two units


def _char_units(char: str, rule: SegmentRule) -> int:
    if rule is GSM7:
        return len(char.encode(GSM_CODEC))  # 2 for an extension character (€, [, ], {…)
    return 2 if ord(char) > 0xFFFF else 1  # a surrogate pair (an emoji)


def _parts(text: str, rule: SegmentRule) -> int:
    """The segments of a text of several: a two-unit character is never split between two."""
    parts, used = 1, 0
    for char in text:
        width = _char_units(char, rule)
        if used + width > rule.part:
            parts, used = parts + 1, 0
        used += width
    return parts


def sms_cost(text: str) -> SmsCost:
    rule, units = _units(text)
    if units <= rule.single:
        return SmsCost(rule.encoding, units, 1 if units else 0)
    return SmsCost(rule.encoding, units, _parts(text, rule))


def fits(text: str, segments: int = MAX_SEGMENTS) -> bool:
    return sms_cost(text).segments <= segments


def _shortened(text: str, before: str, after: str, budget: int) -> str:
    """The longest beginning of TEXT, cut at a word and ended by an ellipsis, such that
    BEFORE + it + AFTER fits BUDGET segments; "" when not even a word fits."""
    if fits(before + text + after, budget):
        return text
    words = text.split(" ")
    low, high = 0, len(words)  # the number of words kept: fits(low) holds, fits(high) not
    while high - low > 1:
        middle = (low + high) // 2
        if fits(before + " ".join(words[:middle]) + ELLIPSIS + after, budget):
            low = middle
        else:
            high = middle
    return " ".join(words[:low]) + ELLIPSIS if low else ""


def _links(envelope: Envelope, notice: Notice | None) -> str:
    """The notice's link, then the link to unsubscribe, each after a space: their short
    forms (notifications/links.py) when the envelope has them, since every character counts."""
    link = notice and (notice.short_link or notice.link)
    parts = [link] if link else []
    stop = envelope.short_unsubscribe_url or envelope.unsubscribe_url
    if stop:
        parts.append(f"{STOP_LABEL}{stop}")
    return "".join(f" {part}" for part in parts)


def _one_line(text: str) -> str:
    """TEXT on one line, GSM-friendly: a feed's title or body may hold newlines and tabs."""
    return gsm_friendly(" ".join(text.split()))


def _alert_text(envelope: Envelope, notice: Notice) -> str:
    head = _one_line(f"{envelope.commune} : {headline(notice)}")
    tail = gsm_friendly(_links(envelope, notice))
    if not fits(tail):  # a link too long for two segments: the alert without it
        tail = gsm_friendly(_links(envelope, None))
    body = _one_line(notice.body)
    if body:
        body = _shortened(body, f"{head}. ", tail, MAX_SEGMENTS)
    if body:
        return f"{head}. {body}{tail}"
    # Not even the body's first word fits: the headline gives way, never the links.
    return _shortened(head, "", tail, MAX_SEGMENTS) + tail


def _digest_text(envelope: Envelope) -> str:
    head = _one_line(digest_title(envelope)) + " : "
    tail = gsm_friendly(_links(envelope, None))
    titles = _one_line(" ; ".join(headline(notice) for notice in envelope.notices))
    return head + _shortened(titles, head, tail, MAX_SEGMENTS) + tail


def sms_text(envelope: Envelope) -> str:
    """The SMS for ENVELOPE, in at most MAX_SEGMENTS segments: the commune, the headline, as
    much of the body as fits, the link and the link to unsubscribe."""
    if envelope.is_digest:
        return _digest_text(envelope)
    notice = envelope.notices[0]
    if envelope.kind == EnvelopeKind.CONFIRMATION:
        return gsm_friendly(f"{notice.body} {notice.link or ''}".strip())
    return _alert_text(envelope, notice)


def _cost_as_sent(envelope: Envelope) -> SmsCost:
    """What ENVELOPE's SMS costs, a preview's "…" token counted as long as a subscriber's."""
    stop, short = envelope.unsubscribe_url, envelope.short_unsubscribe_url
    sent = replace(
        envelope,
        unsubscribe_url=stop and as_sent(stop),
        short_unsubscribe_url=short and as_sent(short),
    )
    return sms_cost(sms_text(sent))


def sms_price(envelope: Envelope) -> int:
    """The segments one subscriber's SMS costs."""
    return _cost_as_sent(envelope).segments


def sms_preview(envelope: Envelope) -> str:
    """The text, then what it costs each subscriber: staff see the price before it goes."""
    cost = _cost_as_sent(envelope)
    return (
        f"{sms_text(envelope)}\n\n"
        f"({cost.units} caractères {cost.encoding} : {cost.segments} SMS par abonné)"
    )
