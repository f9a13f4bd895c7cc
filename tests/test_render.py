"""Rendering, pure: digest dates in the town's zone, the unsubscribe footer, topic lists."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from notifications.channels.email import email_content
from notifications.decide.envelopes import notice_of
from notifications.records import MessageInfo
from notifications.render import digest_title, plain_body, topics_phrase
from tests.fakes.envelopes import UNSUBSCRIBE_URL, envelope, notice

PARIS = ZoneInfo("Europe/Paris")


def message(released_at: datetime) -> MessageInfo:
    return MessageInfo(
        id=12, kind="item", title="Marché de Noël", body="", link=None,
        topics=("evenements",), urgent=False, status="sent",
        scheduled_at=released_at, released_at=released_at,
    )  # fmt: skip


def test_a_late_evening_release_is_dated_by_the_town_s_day() -> None:
    released = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 December in Paris
    late = notice_of(message(released), {"evenements": "Événements"}, released, PARIS)
    digest = envelope("telegram", "7", notice(), late, kind="digest")

    assert digest_title(digest) == "Trilport : 2 nouvelles du 1er décembre 2026"


def test_the_day_is_the_town_s_own() -> None:
    released = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    paris = notice_of(message(released), {}, released, PARIS)
    elsewhere = notice_of(message(released), {}, released, ZoneInfo("America/Cayenne"))

    assert paris.when.date().day == 1 and paris.when == released
    assert elsewhere.when.date().day == 30


def test_the_footer_gives_the_reason_then_the_way_out() -> None:
    mail = email_content(envelope("email", "camille@trilport.example"))
    reason = "Vous recevez ce message car vous êtes abonné(e) aux alertes « Travaux » de Trilport."

    assert mail.text.endswith(f"{reason} Pour vous désabonner : {UNSUBSCRIBE_URL}\n")
    assert f"<small>{reason} <a href=" in mail.html
    assert "Pour vous" not in mail.html


def test_a_single_message_body_leaves_the_title_to_the_subject() -> None:
    single = envelope("apprise", "x", notice(body="Ligne 1\nLigne 2", link=None))

    assert plain_body(single).startswith("Ligne 1\nLigne 2\n\nVous recevez ce message")
    bare = envelope("apprise", "x", notice(body="", link=None), unsubscribe_url=None)
    assert plain_body(bare) == ""


def test_several_topics_are_listed_with_a_final_et() -> None:
    two = replace(notice(), topic_labels=("Écoles", "Travaux"))
    three = replace(notice(), topic_labels=("Conseil", "Écoles", "Travaux"))

    assert topics_phrase(envelope("email", "a", two)) == "« Travaux » et « Écoles »"
    assert topics_phrase(envelope("email", "a", three)) == "« Conseil », « Travaux » et « Écoles »"
