"""Custom actions run against a tracker, with the sample town and a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import actions, context
from arobase.settings import ROOT
from notifications.migrate import upgrade
from notifications.subscribers import list_subscribers
from notifications.tables import ItemRow, SourceRow
from tests.stack import FROZEN_NOW


@pytest.fixture(autouse=True)
def sample_town(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("AROBASE_TOWN_FILE", str(ROOT / "town" / "trilport.yml"))
    monkeypatch.setenv("AROBASE_NOW", FROZEN_NOW)  # Wednesday 25 November 2026, 10:00
    database = f"sqlite:///{tmp_path / 'hub.db'}"
    upgrade(database)
    monkeypatch.setenv("AROBASE_DATABASE_URL", database)
    context.settings.cache_clear()
    context._database.cache_clear()
    yield
    context.settings.cache_clear()
    context._database.cache_clear()


def tracker(
    text: str,
    intent: str,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    procedure: str | None = None,
    sender: str = "web:test-session",
) -> Tracker:
    message: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
    }
    if procedure:
        message["response_selector"] = {
            "procedure": {"response": {"intent_response_key": f"procedure/{procedure}"}}
        }
    return Tracker(sender, slots or {}, message, [], False, None, {}, "action_listen")


def service(value: str) -> list[dict[str, Any]]:
    return [{"entity": "service", "value": value}]


async def run(action: Action, state: Tracker) -> tuple[list[dict[str, Any]], list]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, state, {})
    return dispatcher.messages, events


async def test_opening_hours_of_a_named_service_on_a_day() -> None:
    messages, events = await run(
        actions.ActionOpeningHours(),
        tracker("la mairie est ouverte samedi ?", "ask_opening_hours", service("mairie")),
    )
    assert "Samedi 28 novembre, la mairie est ouverte de 9h à 12h." in messages[0]["text"]
    assert events == [SlotSet("hours_question", None)]


async def test_opening_hours_on_christmas_names_the_holiday_and_the_reopening() -> None:
    messages, _ = await run(
        actions.ActionOpeningHours(),
        tracker("ouvert le 25 décembre ?", "ask_opening_hours", service("mairie")),
    )
    assert messages[0]["text"].startswith("Fermée le vendredi 25 décembre (Noël). Réouverture le")


async def test_without_a_service_asks_which_one_and_keeps_the_question() -> None:
    messages, events = await run(
        actions.ActionOpeningHours(), tracker("c'est ouvert samedi ?", "ask_opening_hours")
    )
    assert len(messages[0]["buttons"]) == 10
    assert events == [SlotSet("hours_question", "c'est ouvert samedi ?")]
    payload = next(b["payload"] for b in messages[0]["buttons"] if "mediatheque" in b["payload"])
    messages, _ = await run(
        actions.ActionOpeningHours(),
        tracker(
            payload,
            "ask_opening_hours",
            service("mediatheque"),
            slots={"hours_question": "c'est ouvert samedi ?"},
        ),
    )
    assert "Samedi 28 novembre" in messages[0]["text"]


async def test_a_stray_spelling_of_a_service_is_still_understood() -> None:
    messages, _ = await run(
        actions.ActionContact(),
        tracker("numéro de la médiathèque", "ask_contact", service("Médiathèque")),
    )
    assert "mediatheque@trilport.example" in messages[0]["text"]


async def test_contact_gives_address_phone_email_and_status() -> None:
    messages, _ = await run(
        actions.ActionContact(), tracker("tel ccas", "ask_contact", service("ccas"))
    )
    text = messages[0]["text"]
    for fragment in ("Adresse :", "Téléphone : 01 99 00", "Courriel :", "en ce moment"):
        assert fragment in text


async def test_procedure_reads_the_key_chosen_by_the_response_selector() -> None:
    messages, _ = await run(
        actions.ActionProcedure(),
        tracker("jveux refaire ma cni", "procedure", procedure="carte_identite"),
    )
    text = messages[0]["text"]
    assert "Documents à fournir" in text
    assert "ants.gouv.fr" in text


async def test_carte_grise_points_to_the_national_online_service() -> None:
    messages, _ = await run(
        actions.ActionProcedure(),
        tracker("carte grise", "procedure", procedure="carte_grise"),
    )
    assert "ants.gouv.fr" in messages[0]["text"]


async def test_an_unknown_procedure_key_falls_back_politely() -> None:
    messages, _ = await run(
        actions.ActionProcedure(), tracker("???", "procedure", procedure="inconnue")
    )
    assert "pas bien compris" in messages[0]["text"]


async def test_handoff_gives_the_town_hall_and_whether_it_is_open() -> None:
    messages, _ = await run(actions.ActionHumanHandoff(), tracker("un agent", "human_handoff"))
    text = messages[0]["text"]
    assert "01 99 00" in text
    assert "ouverte en ce moment" in text


def topic(value: str) -> list[dict[str, Any]]:
    return [{"entity": "topic", "value": value}]


TELEGRAM = "telegram:4242"


@pytest.mark.parametrize("intent", ["subscribe", "unsubscribe"])
async def test_on_the_website_alerts_are_explained_not_stored(intent: str) -> None:
    messages, _ = await run(
        actions.ActionAlertsInfo(), tracker("travaux", intent, topic("travaux"))
    )
    assert "/alertes" in messages[0]["text"]
    assert list_subscribers(context.hub()) == []


async def test_from_telegram_a_resident_subscribes_then_unsubscribes() -> None:
    action = actions.ActionAlertsInfo()
    messages, _ = await run(
        action, tracker("je veux les travaux", "subscribe", topic("travaux"), sender=TELEGRAM)
    )
    assert "C'est fait" in messages[0]["text"] and "« Travaux »" in messages[0]["text"]
    messages, _ = await run(
        action, tracker("et les ecoles", "subscribe", topic("ecoles"), sender=TELEGRAM)
    )
    (held,) = list_subscribers(context.hub())
    assert (held.channel, held.address, held.topics) == ("telegram", "4242", ("ecoles", "travaux"))
    messages, _ = await run(
        action, tracker("plus les travaux", "unsubscribe", topic("travaux"), sender=TELEGRAM)
    )
    assert "plus les alertes « Travaux »" in messages[0]["text"]
    messages, _ = await run(action, tracker("stop", "unsubscribe", sender=TELEGRAM))
    assert "plus aucune alerte" in messages[0]["text"]
    assert list_subscribers(context.hub()) == []


async def test_subscribing_without_a_topic_offers_the_topics_as_buttons() -> None:
    messages, _ = await run(
        actions.ActionAlertsInfo(), tracker("je veux des alertes", "subscribe", sender=TELEGRAM)
    )
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert '/subscribe{"topic": "travaux"}' in payloads
    assert '/subscribe{"topic": "tout"}' in payloads
    assert list_subscribers(context.hub()) == []


async def test_news_lists_the_latest_items_of_the_topic_with_links() -> None:
    hub = context.hub()
    now = hub.now()
    with hub.db.session() as session:
        source = SourceRow(
            name="site",
            kind="rss",
            url="https://www.trilport.example/feed/",
            topic="actualites",
            categories={},
            options={},
            origin="cli",
            primed=True,
            next_poll_at=now,
            failures=0,
            created_at=now,
        )
        session.add(source)
        session.flush()
        for day, (title, topics) in enumerate(
            [
                ("Vieux chantier", ["travaux"]),
                ("Fête", ["evenements"]),
                ("Rue fermée", ["travaux"]),
                ("Trottoirs", ["travaux"]),
                ("Pont", ["travaux"]),
            ]
        ):
            link = f"https://www.trilport.example/{day}"
            published = now - timedelta(days=10 - day)
            session.add(ItemRow(
                source_id=source.id, guid=title, title=title, link=link, summary="",
                topics=topics, published_at=published, created_at=now,
            ))  # fmt: skip
    messages, _ = await run(
        actions.ActionAlertsInfo(), tracker("travaux ?", "ask_news", topic("travaux"))
    )
    text = messages[0]["text"]
    assert text.index("Pont") < text.index("Trottoirs") < text.index("Rue fermée")
    assert "Vieux chantier" not in text and "Fête" not in text
    assert "https://www.trilport.example/4" in text


async def test_news_without_items_says_so_and_points_to_the_website() -> None:
    messages, _ = await run(actions.ActionAlertsInfo(), tracker("du nouveau ?", "ask_news"))
    assert "pas encore de nouvelles" in messages[0]["text"]
    assert "trilport.example" in messages[0]["text"]


async def test_a_broken_town_file_gets_an_apology_not_silence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "town.yml"
    broken.write_text("commune: [", encoding="utf-8")
    monkeypatch.setenv("AROBASE_TOWN_FILE", str(broken))
    context.settings.cache_clear()
    messages, events = await run(actions.ActionHelp(), tracker("aide", "help"))
    assert messages[0]["text"] == actions.APOLOGY
    assert events == []
