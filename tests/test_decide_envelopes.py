"""Envelope assembly, pure: claimed deliveries grouped per recipient, with the right links."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from notifications.decide.envelopes import (
    Addressee,
    Claim,
    ClaimedDelivery,
    Letterhead,
    claims,
    confirmation_request,
    envelope_kind,
)
from notifications.records import EnvelopeKind, MessageInfo, MessageKind

PARIS = ZoneInfo("Europe/Paris")
RELEASED = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 1 December, 00:30 in Paris
LETTERHEAD = Letterhead(
    commune="Trilport",
    public_url="http://alertes.test",
    labels={"travaux": "Travaux"},
    zone=PARIS,
    broadcast_urls={"mastodon-1a2b": "mastodon://jeton@social.example"},
)
UNSUBSCRIBE = "http://alertes.test/alertes/desabonnement?jeton=tok"
CONFIRM = "http://alertes.test/alertes/confirmer?jeton=tok"


def message(message_id: int, kind: str = MessageKind.STAFF) -> MessageInfo:
    return MessageInfo(
        id=message_id,
        kind=kind,
        title=f"Message {message_id}",
        body="",
        link="https://trilport.example/info",
        topics=("travaux",),
        urgent=False,
        status="sent",
        scheduled_at=RELEASED,
        released_at=RELEASED,
    )


def to_subscriber(
    delivery_id: int,
    channel: str = "email",
    *,
    digest: bool = False,
    kind: str = MessageKind.STAFF,
    params: dict[str, Any] | None = None,
) -> ClaimedDelivery:
    addressee = Addressee(channel, f"adresse-{channel}", params or {}, "tok")
    return ClaimedDelivery(
        delivery_id, "subscriber:7", channel, digest, None, 7, message(delivery_id, kind), addressee
    )


def to_broadcast(delivery_id: int, name: str) -> ClaimedDelivery:
    return ClaimedDelivery(
        delivery_id, f"broadcast:{name}", "apprise", False, "apprise:0f", None,
        message(delivery_id), None,
    )  # fmt: skip


def summary(claim: Claim) -> tuple[Any, ...]:
    e = claim.envelope
    return (e.delivery_ids, e.kind, e.address, e.unsubscribe_url, claim.subscriber_id)


@pytest.mark.parametrize(
    ("claimed", "expected"),
    [
        # An e-mail carries the subscriber's own unsubscribe link; a chat does not.
        ([to_subscriber(1)], [((1,), "alert", "adresse-email", UNSUBSCRIBE, 7)]),
        ([to_subscriber(1, "telegram")], [((1,), "alert", "adresse-telegram", None, 7)]),
        ([to_subscriber(1, "webpush")], [((1,), "alert", "adresse-webpush", UNSUBSCRIBE, 7)]),
        # A town-wide target: its URL from the settings, no link; an unknown one, no address.
        ([to_broadcast(1, "mastodon-1a2b")],
         [((1,), "alert", "mastodon://jeton@social.example", None, None)]),
        ([to_broadcast(1, "gone")], [((1,), "alert", "", None, None)]),
        # A recipient's due digest rows travel together; alone, a digest row is an alert.
        ([to_subscriber(1, digest=True), to_subscriber(2, digest=True)],
         [((1, 2), "digest", "adresse-email", UNSUBSCRIBE, 7)]),
        ([to_subscriber(1, digest=True)], [((1,), "alert", "adresse-email", UNSUBSCRIBE, 7)]),
        # Rows that are not digest rows go one by one, in claim order.
        ([to_subscriber(1), to_subscriber(2, digest=True), to_subscriber(3)],
         [((1,), "alert", "adresse-email", UNSUBSCRIBE, 7),
          ((2,), "alert", "adresse-email", UNSUBSCRIBE, 7),
          ((3,), "alert", "adresse-email", UNSUBSCRIBE, 7)]),
    ],
)  # fmt: skip
def test_claimed_deliveries_become_envelopes(
    claimed: list[ClaimedDelivery], expected: list[tuple[Any, ...]]
) -> None:
    assert [summary(c) for c in claims(claimed, LETTERHEAD)] == expected


def test_a_notice_is_dated_in_the_town_s_zone_and_labels_its_topics() -> None:
    (claim,) = claims([to_subscriber(1, "webpush", params={"keys": {"auth": "a"}})], LETTERHEAD)
    (notice,) = claim.envelope.notices
    assert notice.when == datetime(2026, 12, 1, 0, 30, tzinfo=PARIS)
    assert notice.topic_labels == ("Travaux",)
    assert notice.link == "https://trilport.example/info"
    assert claim.envelope.params == {"keys": {"auth": "a"}}
    assert claim.envelope.commune == "Trilport"


def test_a_confirmation_request_links_to_the_subscriber_s_own_confirmation_page() -> None:
    (claim,) = claims([to_subscriber(1, kind=MessageKind.CONFIRMATION)], LETTERHEAD)
    assert claim.envelope.kind == EnvelopeKind.CONFIRMATION
    assert [n.link for n in claim.envelope.notices] == [CONFIRM]
    assert claim.envelope.unsubscribe_url == UNSUBSCRIBE


@pytest.mark.parametrize(
    ("kind", "digest", "count", "expected"),
    [
        (MessageKind.ITEM, False, 1, EnvelopeKind.ALERT),
        (MessageKind.REMINDER, False, 1, EnvelopeKind.ALERT),
        (MessageKind.STAFF, True, 1, EnvelopeKind.ALERT),
        (MessageKind.STAFF, True, 3, EnvelopeKind.DIGEST),
        (MessageKind.CONFIRMATION, False, 1, EnvelopeKind.CONFIRMATION),
    ],
)
def test_the_kind_of_an_envelope(kind: str, digest: bool, count: int, expected: str) -> None:
    assert envelope_kind(kind, digest, count) is expected


@pytest.mark.parametrize(("days", "valid"), [(1, "1 jour"), (7, "7 jours")])
def test_the_confirmation_request_says_how_long_its_link_is_valid(days: int, valid: str) -> None:
    draft = confirmation_request("Trilport", days, RELEASED)
    assert draft.title == "Confirmez votre abonnement aux alertes de Trilport"
    assert draft.body == (
        "Vous avez demandé à recevoir les alertes de la commune par courriel. "
        "Pour confirmer, ouvrez le lien ci-dessous, puis appuyez sur le bouton "
        f"« Confirmer mon abonnement ». Ce lien est valable {valid}. "
        "Si vous n'avez rien demandé, ignorez ce message : vous ne recevrez rien, et "
        "votre adresse sera effacée."
    )
    assert (draft.kind, draft.urgent, draft.topics, draft.link, draft.scheduled_at) == (
        MessageKind.CONFIRMATION,
        True,
        (),
        None,  # the subscriber's own link is added when it is sent
        RELEASED,
    )
