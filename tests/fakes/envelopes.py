"""Sample notices and envelopes for the channel tests (the town is Trilport, a sample)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notifications.records import Envelope, Notice

UNSUBSCRIBE_URL = "https://trilport.example/alertes/desabonner?jeton=abc123&canal=email"


def notice(
    title: str = "Travaux rue Pasteur",
    body: str = "Coupure d'eau à Trilport mardi de 8 h à 12 h.",
    link: str | None = "https://trilport.example/actualites/travaux?rue=pasteur&jour=mardi",
    urgent: bool = False,
    message_id: int = 7,
) -> Notice:
    return Notice(
        message_id=message_id,
        title=title,
        body=body,
        link=link,
        urgent=urgent,
        topic_labels=("Travaux",),
        when=datetime(2026, 11, 24, 9, 30),
    )


def envelope(
    channel: str,
    address: str,
    *notices: Notice,
    params: dict[str, Any] | None = None,
    unsubscribe_url: str | None = UNSUBSCRIBE_URL,
    kind: str = "alert",
) -> Envelope:
    chosen = notices or (notice(),)
    return Envelope(
        delivery_ids=tuple(range(1, len(chosen) + 1)),
        channel=channel,
        address=address,
        params=params or {},
        notices=chosen,
        commune="Trilport",
        unsubscribe_url=unsubscribe_url,
        kind=kind,
    )
