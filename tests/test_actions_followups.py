"""Follow-ups through the custom actions: the slots carry the service, day and procedure of the
previous turn (issue 11). The town is the sample one, the clock Wednesday 25 November 2026 10:00."""

from __future__ import annotations

import pytest

from actions import actions, followups, town_answers
from actions.confidence import KEY_THRESHOLD
from tests.test_actions import remembered, run, sample_town, service, tracker

__all__ = ["sample_town"]  # the autouse fixture: the sample town, a frozen clock, a fresh hub

AFTER_HOURS = {"subject": "hours", "service": "mairie", "day": "la mairie est ouverte samedi ?"}
AFTER_PASSPORT = {"subject": "procedure", "procedure": "passeport", "service": None}


async def test_a_day_alone_keeps_the_service() -> None:
    messages, events = await run(
        actions.ActionOpeningHours(), tracker("et lundi ?", "ask_opening_hours", slots=AFTER_HOURS)
    )
    assert messages[0]["text"].startswith("Lundi 30 novembre, la mairie est ouverte de 8h30")
    assert events == remembered(subject="hours", service="mairie", procedure=None, day="et lundi ?")


async def test_a_service_alone_keeps_the_day() -> None:
    messages, events = await run(
        followups.ActionMentionService(),
        tracker("et la médiathèque ?", "mention_service", service("mediatheque"), AFTER_HOURS),
    )
    assert messages[0]["text"].startswith("Samedi 28 novembre, la médiathèque est ouverte")
    assert ("service", "mediatheque") in [(e["name"], e["value"]) for e in events]


async def test_a_service_alone_after_a_contact_gives_its_contact() -> None:
    slots = {"subject": "contact", "service": "mairie"}
    messages, _ = await run(
        followups.ActionMentionService(),
        tracker("et le ccas ?", "mention_service", service("ccas"), slots),
    )
    assert "Courriel : ccas@" in messages[0]["text"]


async def test_their_number_is_the_number_of_the_service_just_asked_about() -> None:
    messages, _ = await run(
        actions.ActionContact(), tracker("et leur numéro ?", "ask_contact", slots=AFTER_HOURS)
    )
    assert messages[0]["text"].startswith("Mairie de Trilport\n")


async def test_a_fresh_hours_question_without_a_day_is_about_now() -> None:
    messages, events = await run(
        actions.ActionOpeningHours(),
        tracker("horaires de la médiathèque", "ask_opening_hours", service("mediatheque"),
                AFTER_HOURS),
    )  # fmt: skip
    assert "en ce moment" in messages[0]["text"]
    assert ("day", None) in [(e["name"], e["value"]) for e in events]


async def test_a_confident_procedure_is_answered_and_remembered() -> None:
    messages, events = await run(
        actions.ActionProcedure(),
        tracker("refaire mon passeport", "procedure", procedure="passeport"),
    )
    assert messages[0]["text"] == "Passeport"
    assert events == remembered(subject="procedure", procedure="passeport", service=None, day=None)


@pytest.mark.parametrize(
    "ranking",
    [
        (("passeport", 0.45), ("carte_identite", 0.40)),  # not sure of either
        # Just below the configured threshold, however far ahead of the second.
        (("passeport", KEY_THRESHOLD - 0.01), ("carte_identite", 0.05)),
    ],
)
async def test_an_unsure_procedure_is_asked_not_answered(ranking: tuple) -> None:
    messages, events = await run(
        actions.ActionProcedure(),
        tracker("papiers pour voyager", "procedure", procedure="passeport", ranking=ranking),
    )
    assert "pas sûr" in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]] == [
        "Passeport", "Carte d'identité", "Parler à un agent"
    ]  # fmt: skip
    assert events == remembered(procedure=None)


@pytest.mark.parametrize(
    ("action", "typed", "intent", "ranking"),
    [
        (
            actions.ActionProcedure(),
            "adopter un chat",
            "procedure",
            (("pacs", 0.3), ("mariage", 0.2)),
        ),
        (actions.ActionFallback(), "zorglub", "nlu_fallback", ()),
    ],
)
async def test_after_a_question_not_answered_a_detail_is_not_about_the_last_procedure(
    action: actions.TownAction, typed: str, intent: str, ranking: tuple
) -> None:
    """« passeport », then a question the assistant is unsure of, then « c'est combien ? »:
    never the passport's cost for what was asked in between."""
    procedure = "pacs" if ranking else None
    _, events = await run(
        action, tracker(typed, intent, slots=AFTER_PASSPORT, procedure=procedure, ranking=ranking)
    )
    slots = {**AFTER_PASSPORT, **{e["name"]: e["value"] for e in events}}
    messages, _ = await run(
        followups.ActionProcedureDetail(),
        tracker("c'est combien ?", "procedure_detail", slots=slots),
    )
    assert messages[0]["text"].startswith("De quelle démarche parlez-vous ?")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("c'est combien ?", "Passeport : 86 € pour un adulte"),
        ("il faut quels papiers ?", "Passeport, documents à fournir :\n- Numéro de pré-demande"),
        ("ça prend combien de temps ?", "Passeport : Plusieurs semaines"),
        ("c'est où ?", "Passeport : Faites d'abord une pré-demande"),  # not at the town hall
    ],
)
async def test_a_detail_of_the_last_procedure(question: str, expected: str) -> None:
    messages, _ = await run(
        followups.ActionProcedureDetail(),
        tracker(question, "procedure_detail", slots=AFTER_PASSPORT),
    )
    assert messages[0]["text"].startswith(expected), messages[0]["text"]


async def test_where_a_town_hall_procedure_is_done() -> None:
    slots = {"subject": "procedure", "procedure": "acte_naissance", "service": "mairie"}
    messages, _ = await run(
        followups.ActionProcedureDetail(), tracker("c'est où ?", "procedure_detail", slots=slots)
    )
    assert messages[0]["text"].startswith("Acte de naissance : Mairie de Trilport, ")


async def test_a_detail_without_a_procedure_asks_which_one() -> None:
    messages, events = await run(
        followups.ActionProcedureDetail(), tracker("c'est combien ?", "procedure_detail")
    )
    assert messages[0]["text"].startswith("De quelle démarche parlez-vous ?")
    assert events == []


async def test_where_after_a_service_gives_its_address() -> None:
    messages, _ = await run(
        followups.ActionProcedureDetail(),
        tracker("c'est où ?", "procedure_detail", slots=AFTER_HOURS),
    )
    assert "Adresse :" in messages[0]["text"]


async def test_news_is_a_new_topic() -> None:
    _, events = await run(actions.ActionAlertsInfo(), tracker("quoi de neuf ?", "ask_news"))
    assert events == remembered(subject=None, procedure=None, day=None)


async def test_a_report_names_the_service_and_makes_it_the_subject() -> None:
    entities = [{"entity": "problem", "value": "animal"}]
    messages, events = await run(
        town_answers.ActionReportProblem(),
        tracker("un chien errant", "report_problem", entities, AFTER_PASSPORT),
    )
    assert "police municipale" in messages[0]["text"]
    assert events == remembered(subject=None, procedure=None, day=None, service="police_municipale")


async def test_waste_collection_of_one_area() -> None:
    entities = [{"entity": "area", "value": "secteur_b"}]
    messages, events = await run(
        town_answers.ActionWasteCollection(),
        tracker("poubelles secteur b", "waste_collection", entities),
    )
    assert messages[0]["text"].startswith("Collecte des déchets (Secteur B)")
    assert events == remembered(subject=None, procedure=None, day=None)


async def test_school_holidays_of_the_towns_zone() -> None:
    messages, _ = await run(
        town_answers.ActionSchoolHolidays(),
        tracker("c'est quand les vacances de Noël ?", "school_holidays"),
    )
    assert messages[0]["text"].startswith("Vacances de Noël : du samedi 19 décembre")
    assert "zone C" in messages[0]["text"]


async def test_after_a_new_topic_a_services_hours_button_gives_todays_not_an_old_day() -> None:
    """« ouvert samedi ? », then the waste days, then its « Horaires de la déchetterie »
    button: today's hours, not Saturday's asked two topics ago."""
    _, events = await run(
        town_answers.ActionWasteCollection(),
        tracker("quand passent les poubelles ?", "waste_collection", slots=AFTER_HOURS),
    )
    slots = {**AFTER_HOURS, **{e["name"]: e["value"] for e in events}}
    messages, _ = await run(
        actions.ActionOpeningHours(),
        tracker('/ask_opening_hours{"service":"dechetterie"}', "ask_opening_hours",
                service("dechetterie"), slots),
    )  # fmt: skip
    assert "en ce moment" in messages[0]["text"]
    assert "Samedi" not in messages[0]["text"]
