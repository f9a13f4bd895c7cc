"""Custom actions run against a tracker, with the sample town and a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import actions, context
from arobase.settings import ROOT
from notifications.store.migrate import upgrade
from notifications.store.tables import ItemRow, SourceRow
from notifications.subscribers import add_subscriber, chat_subscribe, list_subscribers
from tests.stack import FROZEN_NOW


@pytest.fixture(autouse=True)
def sample_town(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("AROBASE_TOWN_FILE", str(ROOT / "town" / "trilport.yml"))
    monkeypatch.setenv("AROBASE_NOW", FROZEN_NOW)  # Wednesday 25 November 2026, 10:00
    database = f"sqlite:///{tmp_path / 'hub.db'}"
    upgrade(database)
    monkeypatch.setenv("AROBASE_DATABASE_URL", database)
    context.reset()
    yield
    context.reset()


def tracker(
    text: str,
    intent: str,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    procedure: str | None = None,
    sender: str = "web:test-session",
    ranking: tuple[tuple[str, float], ...] = (),
) -> Tracker:
    """A tracker after TEXT; PROCEDURE: the selector's key, confident unless RANKING says."""
    message: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
    }
    if procedure:
        ranking = ranking or ((procedure, 0.97), ("pacs", 0.01))
        message["response_selector"] = {
            "procedure": {
                "response": {"intent_response_key": f"procedure/{procedure}"},
                "ranking": [
                    {"intent_response_key": f"procedure/{key}", "confidence": confidence}
                    for key, confidence in ranking
                ],
            }
        }
    return Tracker(sender, slots or {}, message, [], False, None, {}, "action_listen")


def service(value: str) -> list[dict[str, Any]]:
    return [{"entity": "service", "value": value}]


def remembered(**slots: str | None) -> list[SlotSet]:
    return [SlotSet(name, value) for name, value in slots.items()]


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
    assert events == remembered(
        subject="hours", service="mairie", procedure=None, day="la mairie est ouverte samedi ?"
    )


async def test_opening_hours_on_christmas_names_the_holiday_and_the_reopening() -> None:
    messages, _ = await run(
        actions.ActionOpeningHours(),
        tracker("ouvert le 25 décembre ?", "ask_opening_hours", service("mairie")),
    )
    assert messages[0]["text"].startswith(
        "La mairie est fermée le vendredi 25 décembre (Noël). Réouverture le"
    )


async def test_without_a_service_asks_which_one_and_keeps_the_question() -> None:
    messages, events = await run(
        actions.ActionOpeningHours(), tracker("c'est ouvert samedi ?", "ask_opening_hours")
    )
    assert len(messages[0]["buttons"]) == 10
    assert events == remembered(subject="hours", procedure=None, day="c'est ouvert samedi ?")
    payload = next(b["payload"] for b in messages[0]["buttons"] if "mediatheque" in b["payload"])
    messages, _ = await run(
        actions.ActionOpeningHours(),
        tracker(
            payload,
            "ask_opening_hours",
            service("mediatheque"),
            slots={"day": "c'est ouvert samedi ?"},
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
    assert messages[0]["text"] == "Carte d'identité"
    text = messages[1]["text"]
    assert "Documents à fournir" in text
    assert "ants.gouv.fr" in text


async def test_carte_grise_points_to_the_national_online_service() -> None:
    messages, _ = await run(
        actions.ActionProcedure(),
        tracker("carte grise", "procedure", procedure="carte_grise"),
    )
    assert "ants.gouv.fr" in messages[1]["text"]


async def test_an_unknown_procedure_key_is_not_answered() -> None:
    messages, events = await run(
        actions.ActionProcedure(), tracker("???", "procedure", procedure="inconnue")
    )
    assert "pas sûr" in messages[0]["text"]
    assert events == [SlotSet("procedure", None)]


async def test_out_of_scope_offers_the_procedure_the_selector_is_sure_of() -> None:
    """A procedure in unusual words read as out of scope: the answer offers it, never gives it."""
    messages, _ = await run(
        actions.ActionOutOfScope(),
        tracker("faut combien de photos pour un passprt", "out_of_scope", procedure="passeport"),
    )
    assert "Je ne peux pas vous aider sur ce sujet" in messages[0]["text"]
    assert "choisissez-la" in messages[0]["text"]
    assert [(b["title"], b["payload"]) for b in messages[0]["buttons"]] == [
        ("Passeport", "Passeport")
    ]
    # The procedure's answer waits for the resident's choice.
    assert [m["text"] for m in messages[1:] if m["text"]] == []


@pytest.mark.parametrize("ranking", [(("mariage", 0.55), ("pacs", 0.4)), ()])
async def test_out_of_scope_offers_nothing_when_the_selector_is_unsure(ranking: tuple) -> None:
    messages, _ = await run(
        actions.ActionOutOfScope(),
        tracker(
            "combien d'invités à un mariage ?",
            "out_of_scope",
            procedure="mariage" if ranking else None,
            ranking=ranking,
        ),
    )
    assert "choisissez-la" not in messages[0]["text"]
    assert not messages[0]["buttons"]


def topic(value: str) -> list[dict[str, Any]]:
    return [{"entity": "topic", "value": value}]


TELEGRAM = "telegram:4242"


@pytest.mark.parametrize("intent", ["subscribe", "unsubscribe"])
async def test_on_the_website_alerts_are_explained_not_stored(intent: str) -> None:
    messages, _ = await run(
        actions.ActionAlertsInfo(), tracker("travaux", intent, topic("travaux"))
    )
    assert "/alertes" in messages[0]["text"]
    assert list_subscribers(context.runtime().hub()) == []


async def test_from_telegram_a_resident_subscribes_then_unsubscribes() -> None:
    action = actions.ActionAlertsInfo()
    messages, _ = await run(
        action, tracker("je veux les travaux", "subscribe", topic("travaux"), sender=TELEGRAM)
    )
    assert "C'est fait" in messages[0]["text"] and "« Travaux »" in messages[0]["text"]
    messages, _ = await run(
        action, tracker("et les ecoles", "subscribe", topic("ecoles"), sender=TELEGRAM)
    )
    (held,) = list_subscribers(context.runtime().hub())
    assert (held.channel, held.address, held.topics) == ("telegram", "4242", ("ecoles", "travaux"))
    messages, _ = await run(
        action, tracker("plus les travaux", "unsubscribe", topic("travaux"), sender=TELEGRAM)
    )
    assert "plus les alertes « Travaux »" in messages[0]["text"]
    messages, _ = await run(action, tracker("stop", "unsubscribe", sender=TELEGRAM))
    assert "plus aucune alerte" in messages[0]["text"]
    assert list_subscribers(context.runtime().hub()) == []


async def test_a_subscriber_without_quiet_hours_is_told_alerts_come_at_any_hour() -> None:
    add_subscriber(context.runtime().hub(), "telegram", "4242", ["ecoles"], quiet="non")
    messages, _ = await run(
        actions.ActionAlertsInfo(),
        tracker("les travaux aussi", "subscribe", topic("travaux"), sender=TELEGRAM),
    )
    assert messages[0]["text"] == (
        "C'est fait : vous recevrez ici les alertes « Travaux ». Les alertes arrivent à toute "
        "heure. Pour choisir vos thèmes : /alertes. Pour tout arrêter : /stop."
    )


@pytest.mark.parametrize("intent", ["subscribe", "unsubscribe"])
async def test_in_a_telegram_group_the_assistant_changes_no_alert(intent: str) -> None:
    group = "telegram:-1001234567890"
    hub = context.runtime().hub()
    chat_subscribe(hub, "telegram", "-1001234567890", ["ecoles"])
    messages, _ = await run(
        actions.ActionAlertsInfo(), tracker("les travaux", intent, topic("travaux"), sender=group)
    )
    assert messages[0]["text"] == (
        "Dans un groupe, les alertes se règlent avec la commande /alertes, réservée aux "
        "administrateurs du groupe. Pour vos propres alertes, écrivez-moi en message privé."
    )
    (held,) = list_subscribers(hub)
    assert (held.address, held.topics) == ("-1001234567890", ("ecoles",))


async def test_subscribing_without_a_topic_offers_the_topics_as_buttons() -> None:
    messages, _ = await run(
        actions.ActionAlertsInfo(), tracker("je veux des alertes", "subscribe", sender=TELEGRAM)
    )
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert '/subscribe{"topic": "travaux"}' in payloads
    assert '/subscribe{"topic": "tout"}' in payloads
    assert list_subscribers(context.runtime().hub()) == []


def add_items(kind: str, items: list[tuple[str, list[str], datetime]]) -> None:
    """Items of one source of KIND: (title, topics, published), linked to /0, /1…"""
    hub = context.runtime().hub()
    now = hub.now()
    with hub.db.session() as session:
        source = SourceRow(
            name=kind,
            kind=kind,
            url=f"https://www.trilport.example/{kind}/",
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
        for number, (title, topics, published) in enumerate(items):
            session.add(ItemRow(
                source_id=source.id, guid=str(number), title=title,
                link=f"https://www.trilport.example/{number}", summary="",
                topics=topics, published_at=published, created_at=now,
            ))  # fmt: skip


async def test_news_lists_the_latest_items_of_the_topic_with_links() -> None:
    now = context.runtime().hub().now()
    add_items(
        "rss",
        [
            (title, topics, now - timedelta(days=10 - day))
            for day, (title, topics) in enumerate(
                [
                    ("Vieux chantier", ["travaux"]),
                    ("Fête", ["evenements"]),
                    ("Rue fermée", ["travaux"]),
                    ("Trottoirs", ["travaux"]),
                    ("Pont", ["travaux"]),
                ]
            )
        ],
    )
    messages, _ = await run(
        actions.ActionAlertsInfo(), tracker("travaux ?", "ask_news", topic("travaux"))
    )
    text = messages[0]["text"]
    assert text.index("Pont") < text.index("Trottoirs") < text.index("Rue fermée")
    assert "Vieux chantier" not in text and "Fête" not in text
    assert "https://www.trilport.example/4" in text


async def test_news_without_a_topic_gives_the_newest_and_the_next_meetings() -> None:
    now = context.runtime().hub().now()
    add_items("rss", [(f"Article {n}", ["actualites"], now - timedelta(days=n)) for n in range(6)])
    add_items(
        "council",
        [
            ("Conseil municipal", ["conseil"], datetime(2026, 12, 1, 19, 30, tzinfo=UTC)),
            ("Conseil municipal", ["conseil"], datetime(2027, 1, 14, 19, 0, tzinfo=UTC)),
        ],
    )
    messages, _ = await run(actions.ActionAlertsInfo(), tracker("du nouveau ?", "ask_news"))
    text = messages[0]["text"]
    assert text.startswith(
        "Prochains conseils municipaux :\n"
        "- Conseil municipal, le mardi 1er décembre à 20h30\n"
        "- Conseil municipal, le jeudi 14 janvier à 20h\n"
    )
    assert text.index("Article 0") < text.index("Article 1") < text.index("Article 2")
    assert "Article 3" not in text


async def test_stopping_everything_while_subscribed_to_nothing_says_so() -> None:
    messages, _ = await run(
        actions.ActionAlertsInfo(), tracker("stop", "unsubscribe", sender=TELEGRAM)
    )
    assert messages[0]["text"] == "Vous n'étiez abonné(e) à aucune alerte : rien à changer."


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
    context.reset()
    messages, events = await run(actions.ActionHelp(), tracker("aide", "help"))
    assert messages[0]["text"] == actions.APOLOGY
    assert events == []


async def test_without_the_hub_database_alerts_are_said_unavailable_and_none_is_created(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    absent = tmp_path / "absent" / "hub.db"
    monkeypatch.setenv("AROBASE_DATABASE_URL", f"sqlite:///{absent}")
    context.reset()

    messages, events = await run(
        actions.ActionAlertsInfo(),
        tracker(
            "quoi de neuf pour les travaux ?", "ask_news", [{"entity": "topic", "value": "travaux"}]
        ),
    )

    assert events == []
    assert len(messages) == 1 and "pas disponibles pour le moment" in messages[0]["text"]
    assert "01 99 00 10 00" in messages[0]["text"]  # the town hall's phone
    assert not absent.exists() and not absent.parent.exists()
