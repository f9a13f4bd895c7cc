"""The counter's work on the hub, each step audited: enrol, find by exact address, export and
erase. Run in a worker thread (`alerts.run`), they take the hub first.

The audit's detail names the subscriber by number and channel, never by address
(`subscriber_detail`): the log is read by every admin and outlives an erasure, which must
leave no address behind; the number is enough to follow one person's file while it exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from arobase.streets import typed_street
from bot.web.console.counter_render import AGREED, DEFAULT, NO_QUIET, Enrolment
from notifications import (
    COUNTER_WAYS,
    Consent,
    ConsentWay,
    Hub,
    NotFound,
    SubscriberAction,
    SubscriberFile,
    area_of,
    audit,
    erase_subscriber,
    export_subscriber,
    find_exact,
    subscribe,
    subscriber_detail,
    subscriber_file,
)

NO_CHANNEL = "Choisissez le canal."
NO_ADDRESS = "Indiquez l'adresse de la personne."
NO_TOPIC = "Cochez au moins un thème."
NO_WAY = "Indiquez comment la personne a donné son accord."
NO_CONSENT = "Cochez « La personne a donné son accord » : on n'inscrit personne sans son accord."
WAYS = frozenset(way.value for way in COUNTER_WAYS)
Target = tuple[str, str]  # a subscriber as the forms name it: (channel, exact address)


def enrolment_of(fields: Mapping[str, list[str]]) -> Enrolment:
    """The enrolment form's values, as posted."""

    def one(name: str) -> str:
        return fields.get(name, [""])[0]

    return Enrolment(
        channel=one("canal"),
        address=one("adresse").strip(),
        topics=fields.get("themes", []),
        street=typed_street(one("rue")),
        quiet=NO_QUIET if one("heures_calmes") == NO_QUIET else DEFAULT,
        how=one("comment"),
        agreed=one("accord") == AGREED,
    )


def problem_of(typed: Enrolment, channels: Mapping[str, str]) -> tuple[str, str] | None:
    """(error, field) of a form the hub need not see, in the form's order; None when none."""
    checks = (
        (typed.channel in channels, NO_CHANNEL, "canal"),
        (bool(typed.address), NO_ADDRESS, "adresse"),
        (bool(typed.topics), NO_TOPIC, "themes"),
        (typed.how in WAYS, NO_WAY, "comment"),
        (typed.agreed, NO_CONSENT, "accord"),
    )
    return next(((error, name) for ok, error, name in checks if not ok), None)


def enrol(hub: Hub, typed: Enrolment, actor: str) -> tuple[SubscriberFile, bool]:
    """Enrol the person (their confirmation requested), ACTOR and the form's way recorded
    with their consent; an address already subscribed is only shown. Whether it is new."""
    way = ConsentWay(typed.how)
    quiet = "non" if typed.quiet == NO_QUIET else None  # None: the default quiet hours
    areas = (area_of(hub, typed.street),) if typed.street else ()
    info, created = subscribe(
        hub,
        typed.channel,
        typed.address,
        typed.topics,
        quiet=quiet,
        consent=Consent(actor, way),
        areas=areas,
    )
    if created:
        audit(hub, actor, SubscriberAction.ENROLLED, f"{subscriber_detail(info)}, {way.label}")
    else:
        audit(hub, actor, SubscriberAction.FOUND, f"{subscriber_detail(info)}, déjà inscrit")
    return subscriber_file(hub, info.id), created


def look_up(hub: Hub, target: Target, actor: str) -> SubscriberFile | None:
    """The subscriber at exactly TARGET's address, or None (InvalidAddress when it cannot be
    one); the lookup audited, found or not."""
    channel, address = target
    info = find_exact(hub, channel, address)
    if info is None:
        audit(hub, actor, SubscriberAction.NOT_FOUND, f"({channel})")
        return None
    audit(hub, actor, SubscriberAction.FOUND, subscriber_detail(info))
    try:
        return subscriber_file(hub, info.id)
    except NotFound:  # erased meanwhile
        return None


def export(hub: Hub, target: Target, actor: str) -> tuple[int, dict[str, Any]] | None:
    """The subscriber's number and every datum held on them, or None when nobody is there."""
    info = find_exact(hub, *target)
    if info is None:
        return None
    try:
        document = export_subscriber(hub, info.id)
    except NotFound:
        return None
    audit(hub, actor, SubscriberAction.EXPORTED, subscriber_detail(info))
    return info.id, document


def erase(hub: Hub, target: Target, actor: str) -> bool:
    """Erase the subscriber at TARGET and all held on them; False when nobody is there."""
    info = find_exact(hub, *target)
    if info is None:
        return False
    try:
        erase_subscriber(hub, info.id)
    except NotFound:
        return False
    audit(hub, actor, SubscriberAction.ERASED, subscriber_detail(info))
    return True
