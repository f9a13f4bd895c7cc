"""A subscriber's consent as staff record it (migration 0006), and the audit of staff's work
on subscribers: frozen records and their French vocabulary, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from notifications.records import HeldData, SubscriberInfo


class ConsentWay(StrEnum):
    """How a person gave staff their consent (stored by key, migration 0006); `label` in
    French. Who subscribes themselves (a page, the app, a chat) records none."""

    COUNTER = "guichet"
    PAPER = "formulaire"
    LETTER = "courrier"
    PHONE = "telephone"
    COMMAND = "ligne-de-commande"  # staff typed `arobase subscribers add --consent`

    @property
    def label(self) -> str:
        return CONSENT_LABELS[self]


CONSENT_LABELS = {
    ConsentWay.COUNTER: "accord oral au guichet",
    ConsentWay.PAPER: "formulaire papier",
    ConsentWay.LETTER: "courrier",
    ConsentWay.PHONE: "accord oral au téléphone",
    ConsentWay.COMMAND: "déclaré en ligne de commande",
}
COUNTER_WAYS = (ConsentWay.COUNTER, ConsentWay.PAPER, ConsentWay.LETTER, ConsentWay.PHONE)


@dataclass(frozen=True)
class Consent:
    """Who recorded a subscriber's consent (a staff e-mail) and how; both None when the person
    subscribed themselves."""

    by: str | None = None
    how: ConsentWay | None = None


OWN_CONSENT = Consent()  # the person subscribed themselves


@dataclass(frozen=True)
class SubscriberFile:
    """Every datum held on one subscriber, with its consent's provenance (right of access)."""

    held: HeldData
    consent: Consent


class SubscriberAction(StrEnum):
    """What the audit log records of staff's work on subscribers (French: staff read it). Its
    detail names the subscriber by number and channel, never by address: the log outlives an
    erasure, which must leave no address behind."""

    ENROLLED = "inscription d'un abonné"
    FOUND = "consultation d'un abonné"
    EXPORTED = "export des données d'un abonné"
    ERASED = "effacement d'un abonné"
    NOT_FOUND = "recherche d'un abonné sans résultat"


def subscriber_detail(info: SubscriberInfo) -> str:
    """An audit entry's detail about INFO: its number and channel, no personal data."""
    return f"abonné n° {info.id} ({info.channel})"
