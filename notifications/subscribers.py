"""Subscribers and their topics: add, change, export and erase (privacy by design).

One function per use case, the same whichever front-end calls it: each checks the person's
request (notifications.decide.subscriptions), then asks the store (notifications.store).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypedDict, TypeVar, Unpack

from notifications.areas import area_of, check_areas
from notifications.channels import check_channel, needs_confirmation, push_policy, validate_address
from notifications.channels.registry import plugins
from notifications.consent import OWN_CONSENT, Consent, SubscriberFile
from notifications.decide.subscriptions import (
    ConfirmationLink,
    LinkState,
    SubscriptionRequest,
    choose_topics,
    link_of,
    parse_hhmm,
    parse_quiet_hours,
    retention_cutoff,
)
from notifications.destinations import destination_of
from notifications.errors import Conflict, InvalidInput, StorageConflict
from notifications.hub import Hub
from notifications.records import Purged, SubscriberInfo
from notifications.store import privacy
from notifications.store import subscribers as store

T = TypeVar("T")
Topics = Iterable[str]


def check_topics(hub: Hub, topics: Iterable[str]) -> tuple[str, ...]:
    """The topics, deduplicated, each known to the town file; UnknownTopic otherwise."""
    return choose_topics(tuple(hub.town.topics), topics)


def checked_request(
    hub: Hub, channel: str, address: str, params: dict[str, Any] | None, topics: Topics
) -> SubscriptionRequest:
    """A subscription request checked: its channel, normalised address, params, topics."""
    channel = check_channel(channel)
    chosen = check_topics(hub, topics)
    if not chosen:
        raise InvalidInput("choisissez au moins un thème")
    address, params = validate_address(channel, address, params, push=push_policy(hub.settings))
    return SubscriptionRequest(channel, address, params, chosen)


class SubscriberChoices(TypedDict, total=False):
    """What a staff subscription takes besides the address and topics."""

    params: dict[str, Any] | None
    quiet: str | None
    digest_at: str | None
    consent: Consent  # who recorded it and how (OWN_CONSENT: the person themselves)
    areas: Iterable[str]  # the parts of the commune chosen (none: all)


def record_subscriber(
    hub: Hub, channel: str, address: str, topics: Topics, **choices: Unpack[SubscriberChoices]
) -> tuple[SubscriberInfo, bool]:
    """Record a new subscriber, who consented now (e-mail ones wait for their confirmation),
    and True; when the address subscribes already on that channel, that one unchanged, False."""
    request = checked_request(hub, channel, address, choices.get("params"), topics)
    digest_at = choices.get("digest_at")
    # The same address twice at once (two agents): the second call finds the first one's row.
    return _again_on_conflict(
        lambda: store.add(
            hub.db,
            request,
            hub.now(),
            confirmed=not needs_confirmation(request.channel),
            quiet=parse_quiet_hours(choices.get("quiet")),
            digest_at=parse_hhmm(digest_at, "heure du résumé") if digest_at else None,
            consent=choices.get("consent", OWN_CONSENT),
            areas=check_areas(hub, choices.get("areas", ())),
        )
    )


def add_subscriber(
    hub: Hub, channel: str, address: str, topics: Topics, **choices: Unpack[SubscriberChoices]
) -> SubscriberInfo:
    """`record_subscriber`; Conflict when the same address already subscribes on that channel."""
    info, created = record_subscriber(hub, channel, address, topics, **choices)
    if not created:
        raise already_subscribed(info)
    return info


def already_subscribed(info: SubscriberInfo) -> Conflict:
    topics = ", ".join(info.topics) or "aucun"
    return Conflict(f"cette adresse est déjà abonnée (abonné n° {info.id}, thèmes : {topics})")


def subscribe(
    hub: Hub, channel: str, address: str, topics: Topics, **choices: Unpack[SubscriberChoices]
) -> tuple[SubscriberInfo, bool]:
    """Staff subscribe a person who consented (`record_subscriber`); on a channel that needs a
    confirmation, the request to confirm is queued. An address that subscribes already stays
    as it is: that subscriber, and False."""
    info, created = record_subscriber(hub, channel, address, topics, **choices)
    if created and needs_confirmation(info.channel):
        from notifications.outbox import send_confirmation_request  # the outbox imports us

        send_confirmation_request(hub, info.id)
    return info, created


def enrolment_channels() -> tuple[str, ...]:
    """The channels staff may enrol a person on at the counter, in the registry's order."""
    return tuple(plugin.name for plugin in plugins() if plugin.staff_enrolment)


def get_subscriber(hub: Hub, subscriber_id: int) -> SubscriberInfo:
    return store.get(hub.db, subscriber_id)


def find_subscriber(hub: Hub, channel: str, address: str) -> SubscriberInfo | None:
    return store.find(hub.db, channel, address)


def find_exact(hub: Hub, channel: str, address: str) -> SubscriberInfo | None:
    """The subscriber at exactly ADDRESS, once normalised; InvalidAddress if it cannot be one."""
    return store.find(hub.db, check_channel(channel), validate_address(channel, address)[0])


def list_subscribers(hub: Hub, channel: str | None = None) -> list[SubscriberInfo]:
    return store.list_all(hub.db, check_channel(channel) if channel else None)


def set_topics(hub: Hub, subscriber_id: int, topics: Iterable[str]) -> SubscriberInfo:
    return store.set_topics(hub.db, subscriber_id, check_topics(hub, topics), hub.now())


def chat_subscribe(
    hub: Hub, channel: str, address: str, topics: Iterable[str]
) -> tuple[SubscriberInfo, tuple[str, ...]]:
    """A resident asks from a chat: subscribe this chat (created if new) to more topics.
    Returns the subscriber and the topics that were added now (empty: it had them all).
    Asking again re-activates a chat that was deactivated (e.g. had blocked the bot)."""
    chosen = check_topics(hub, topics)
    address, params = validate_address(channel, address, None)
    request = SubscriptionRequest(channel, address, params, chosen)
    return store.add_topics(hub.db, request, hub.now())


def chat_unsubscribe(
    hub: Hub, channel: str, address: str, topics: Iterable[str] | None
) -> tuple[str, ...]:
    """Remove some topics (or all when TOPICS is None); the topics actually removed.
    With no topic left, the subscriber and everything held on it are erased."""
    chosen = check_topics(hub, topics) if topics is not None else None
    return store.remove_topics(hub.db, channel, address, chosen, hub.now())


def erase_subscriber(hub: Hub, subscriber_id: int) -> int:
    """Delete the subscriber, its topics and its deliveries; the number of rows removed."""
    return privacy.erase(hub.db, subscriber_id)


def subscriber_file(hub: Hub, subscriber_id: int) -> SubscriberFile:
    """Every datum held on one subscriber, with its consent's provenance; NotFound if none."""
    return privacy.held_data(hub.db, subscriber_id)


def export_subscriber(hub: Hub, subscriber_id: int) -> dict[str, Any]:
    """Every datum held on one subscriber, as JSON-ready data (right of access)."""
    return _export_document(privacy.held_data(hub.db, subscriber_id))


def _export_document(file: SubscriberFile) -> dict[str, Any]:
    held, info, consent = file.held, file.held.subscriber, file.consent
    return {
        "abonne": {
            "id": info.id,
            "canal": info.channel,
            "adresse": info.address,
            "parametres": held.params,
            "consentement": info.consent_at.isoformat(),
            "consentement_recueilli_par": consent.by,
            "consentement_moyen": consent.how.label if consent.how else None,
            "confirmation": _iso(held.confirmed_at),
            "actif": info.active,
            "raison_desactivation": info.deactivated_reason,
            "desactive_le": _iso(info.deactivated_at),
            "heures_calmes": info.quiet,
            "resume_quotidien": info.digest_at,
            "cree_le": held.created_at.isoformat(),
            "themes": list(info.topics),
            "secteurs": list(info.areas),
            "jeton_liens": info.token,
        },
        "envois": [
            {
                "message": delivery.message_id,
                "titre": delivery.title,
                "etat": delivery.status,
                "tentatives": delivery.attempts,
                "envoye_le": _iso(delivery.sent_at),
                "derniere_erreur": delivery.last_error,
            }
            for delivery in held.deliveries
        ],
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _confirmation_cutoff(hub: Hub) -> datetime:
    return retention_cutoff(hub.now(), hub.settings.confirm_days)


def confirmation_link_opened(hub: Hub, token: str) -> ConfirmationLink:
    """What opening a confirmation link finds. It confirms nothing (mail scanners open links);
    the subscriber of an expired link is erased, the period stated for it being over."""
    cutoff = _confirmation_cutoff(hub)
    link = link_of(store.find_by_token(hub.db, token), cutoff)
    if link.state is not LinkState.EXPIRED:
        return link
    return privacy.settle_link(hub.db, token, cutoff, hub.now(), confirm=False)


def confirm_by_token(hub: Hub, token: str) -> ConfirmationLink:
    """Double opt-in: the person pressed the button of the link's page.
    A link past its `confirm_days` confirms nothing: its subscriber is erased at once (the
    purge would erase it anyway) and the state says EXPIRED."""
    return privacy.settle_link(hub.db, token, _confirmation_cutoff(hub), hub.now(), confirm=True)


def unsubscribe_by_token(hub: Hub, token: str) -> bool:
    """The unsubscribe link of a message: erase that subscriber. False when unknown."""
    return privacy.erase_by_token(hub.db, token)


def subscriber_by_token(hub: Hub, token: str) -> SubscriberInfo | None:
    """The subscriber of a link's token, changing nothing; None when the link is unknown."""
    return store.find_by_token(hub.db, token)


def deactivate_address(hub: Hub, channel: str, address: str, reason: str) -> None:
    """The chat or device refused a message for good: stop sending there."""
    store.deactivate_address(hub.db, channel, address, reason, hub.now())


def purge_expired(hub: Hub) -> Purged:
    """Erase the personal data kept past the periods the privacy page states.
    A subscription never confirmed goes `confirm_days` after the request (its link has
    expired), a deactivated subscriber `deactivated_days` after its deactivation; with each,
    its topics and deliveries. Run by the worker's housekeeping; idempotent."""
    now, settings = hub.now(), hub.settings
    return privacy.purge(
        hub.db,
        now,
        unconfirmed_before=retention_cutoff(now, settings.confirm_days),
        deactivated_before=retention_cutoff(now, settings.deactivated_days),
    )


def device_subscribe(
    hub: Hub,
    channel: str,
    address: str,
    params: dict[str, Any],
    topics: Iterable[str],
    street: str | None = None,
) -> tuple[SubscriberInfo, bool]:
    """A device subscribes itself (Web Push), its consent the person's click.
    A new device is recorded; a known one gets exactly these topics and the area of STREET
    (none: the whole commune), its fresh keys, and is re-activated if a channel had
    deactivated it. Returns the subscriber and whether it is new."""
    request = checked_request(hub, channel, address, params, topics)
    areas = (area_of(hub, street),) if street else ()
    # Twice at once from the same device: the second call finds the first one's row.
    return _again_on_conflict(lambda: store.record_device(hub.db, request, hub.now(), areas))


def device_moved(
    hub: Hub, channel: str, old_address: str, new_address: str, params: dict[str, Any]
) -> SubscriberInfo | None:
    """The push service gave a device a new subscription: the subscriber follows it.
    Topics, consent and pending deliveries are kept, and a deactivated device is active again.
    None when the old address is unknown (erased meanwhile): a renewal is no consent, so
    nothing new is recorded. When the new address already subscribes (the person subscribed
    again from the page first), that newer choice stays and the old subscriber is erased."""
    channel = check_channel(channel)
    new_address, params = validate_address(
        channel, new_address, params, push=push_policy(hub.settings)
    )
    old_address, destination = old_address.strip(), destination_of(channel, new_address)
    # The new address recorded meanwhile: the second call sees it as the newer choice.
    return _again_on_conflict(
        lambda: store.move_device(hub.db, channel, old_address, new_address, params, destination)
    )


def _again_on_conflict(call: Callable[[], T]) -> T:
    """CALL, and once more when it lost a race on a unique key (StorageConflict)."""
    try:
        return call()
    except StorageConflict:
        return call()
