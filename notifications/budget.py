"""The monthly budget of the paid channels (SMS: AROBASE_SMS_MONTHLY_BUDGET).

Each send on a paid channel reserves its price in its month's spending before it goes, in the
store that all workers share (notifications/store/spending.py), and gives it back when the
service did not take it (a retry, a refusal). A send that the month's budget cannot cover is
not sent: it fails at once with the reason, where staff see every failure, rather than wait
for a month in which its news would be stale. A send whose outcome was lost (a worker killed
mid-send) keeps its reservation: it may have gone, and the cap must hold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

from notifications.channels import get_plugin
from notifications.decide.envelopes import Charge, Claim
from notifications.hub import Hub
from notifications.records import SendResult
from notifications.store import spending


@dataclass(frozen=True)
class MonthSpending:
    """What a paid channel spent this month, against its cap (None: no cap)."""

    channel: str
    month: str
    spent: int
    cap: int | None
    unit: str

    @property
    def left(self) -> int | None:
        return None if self.cap is None else max(self.cap - self.spent, 0)


def budget_month(now: datetime, zone: tzinfo) -> str:
    """The month a send at NOW counts in, by the town's calendar: « 2026-12 »."""
    return now.astimezone(zone).strftime("%Y-%m")


def monthly_cap(hub: Hub, channel: str) -> int | None:
    """CHANNEL's monthly cap in its units, None when it has none."""
    plugin = get_plugin(channel)
    cap = plugin.monthly_cap(hub.settings) if plugin.monthly_cap else 0
    return cap or None


def over_budget(channel: str, cap: int | None) -> SendResult:
    """The visible failure of a send the month's budget cannot cover."""
    unit = get_plugin(channel).price_unit
    return SendResult.rejected(f"budget {unit} du mois atteint ({cap} {unit})")


def charge(hub: Hub, channel: str, claims: Sequence[Claim]) -> tuple[list[Claim], list[Claim]]:
    """Reserve each claim's price on a paid CHANNEL: (the claims covered, with their charge;
    those the month's budget cannot cover). On a free channel, every claim as it is."""
    price = get_plugin(channel).price
    if price is None or not claims:
        return list(claims), []
    month = budget_month(hub.now(), hub.zone)
    wanted = [Charge(channel, month, price(item.envelope)) for item in claims]
    granted = spending.reserve(
        hub.db, channel, month, [c.units for c in wanted], monthly_cap(hub, channel)
    )
    covered = [
        replace(item, charge=c) for item, c, ok in zip(claims, wanted, granted, strict=True) if ok
    ]
    refused = [item for item, ok in zip(claims, granted, strict=True) if not ok]
    return covered, refused


def give_back(hub: Hub, item: Claim) -> None:
    """The service did not take ITEM's send: its reservation is no longer spent."""
    if item.charge is not None and item.charge.units:
        spending.give_back(hub.db, item.charge.channel, item.charge.month, item.charge.units)


def month_spending(hub: Hub, channel: str) -> MonthSpending:
    month = budget_month(hub.now(), hub.zone)
    spent = spending.spent(hub.db, channel, month)
    unit = get_plugin(channel).price_unit
    return MonthSpending(channel, month, spent, monthly_cap(hub, channel), unit)


def budget_note(spending: MonthSpending, price: int, recipients: int) -> str | None:
    """« Budget SMS du mois : 16 restants sur 500 », and a warning when it cannot cover every
    recipient of a message costing PRICE each; None without a cap."""
    if spending.left is None or spending.cap is None:
        return None
    unit, left = spending.unit, spending.left
    note = f"Budget {unit} du mois : {left} restants sur {spending.cap}"
    if price * recipients <= left:
        return note
    covered = left // price if price else recipients
    return (
        f"{note} : il ne couvre que {covered} des {recipients} abonnés, "
        "les autres envois échoueront"
    )


def budget_notes(hub: Hub, prices: Mapping[str, int], reach: Mapping[str, int]) -> dict[str, str]:
    """`budget_note` of each paid channel that has a cap, for a message costing PRICES per
    recipient and reaching REACH recipients per channel."""
    notes = {}
    for channel, price in prices.items():
        note = budget_note(month_spending(hub, channel), price, reach.get(channel, 0))
        if note is not None:
            notes[channel] = note
    return notes
