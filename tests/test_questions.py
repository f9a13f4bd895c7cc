"""The kept questions' use cases (notifications/questions.py) on SQLite and PostgreSQL, with
the injected clock: recorded masked and without who asked, voted on once (the last vote
counts) within a day, erased when their retention is over, reviewed by staff in groups."""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path

import pytest
import yaml
from sqlalchemy import inspect
from typer.testing import CliRunner

from arobase.staff_answers import matching_answer
from bot.web.privacy import privacy_body
from cli import app as cli_app
from notifications.errors import InvalidInput, NotFound
from notifications.hub import Hub
from notifications.questions import (
    AnswerInput,
    AskedQuestion,
    dismiss_group,
    kept_question,
    mark_for_training,
    purge_questions,
    record_question,
    remove_answer,
    review_state,
    staff_answers,
    training_export,
    training_labels,
    vote_question,
    write_answer,
)
from notifications.staff import audit_entries
from notifications.store.question_tables import QuestionRow
from notifications.town_content import ContentRefused, effective_town
from notifications.worker import Worker
from tests.hub_support import FakeClock, command_environment

DAY = 86_400
EDITOR = "com@trilport.example"


def ask(
    hub: Hub,
    text: str,
    outcome: str = "not_understood",
    front: str = "web",
    intent: str | None = "nlu_fallback",
) -> str:
    return record_question(hub, AskedQuestion(text, front, intent, None, 0.31, outcome))


# --- Recording -------------------------------------------------------------------------------


def test_a_question_is_kept_masked_with_what_was_understood_and_nothing_of_who_asked(hub: Hub):
    asked = AskedQuestion(
        "Rappelez-moi au 06 12 34 56 78\nou à jean.dupont@mail.fr", "telegram",
        "procedure", "passeport", 0.42, "unsure",
    )  # fmt: skip

    question_id = record_question(hub, asked)

    assert re.fullmatch(r"[A-Za-z0-9_-]{12}", question_id)
    kept = kept_question(hub, question_id)
    assert kept is not None
    assert kept.text == "Rappelez-moi au [numéro masqué] ou à [adresse e-mail masquée]"
    assert (kept.front, kept.intent, kept.procedure, kept.confidence) == (
        "telegram", "procedure", "passeport", 0.42,
    )  # fmt: skip
    assert (kept.outcome, kept.vote, kept.review, kept.asked_at) == (
        "unsure", None, "new", hub.now(),
    )  # fmt: skip
    # The table has no column that could say who asked.
    columns = {column.key for column in inspect(QuestionRow).columns}
    assert not columns & {"sender", "chat", "chat_id", "session", "address", "subscriber_id"}


def test_each_question_gets_its_own_random_id(hub: Hub):
    ids = {ask(hub, "où jeter mes déchets verts ?") for _ in range(20)}

    assert len(ids) == 20


@pytest.mark.parametrize(
    ("front", "outcome", "reason"),
    [
        ("fax", "answered", "front inconnu « fax »"),
        ("web", "perhaps", "issue inconnue « perhaps »"),
    ],
)
def test_a_question_with_an_unknown_front_or_outcome_is_refused(
    hub: Hub, front: str, outcome: str, reason: str
):
    with pytest.raises(InvalidInput, match=reason):
        ask(hub, "bonjour", outcome, front)
    assert review_state(hub).total == 0


def test_a_long_question_is_kept_to_the_chats_limit(hub: Hub):
    kept = kept_question(hub, ask(hub, "a" * 5000))

    assert kept is not None and len(kept.text) == 1000


# --- Votes -----------------------------------------------------------------------------------


def test_a_vote_is_recorded_and_a_second_one_replaces_it(hub: Hub, clock: FakeClock):
    question_id = ask(hub, "La mairie est ouverte samedi ?", "answered", intent="ask_opening_hours")

    assert vote_question(hub, question_id, True) is True
    clock.advance(60)
    assert vote_question(hub, question_id, False) is True

    kept = kept_question(hub, question_id)
    assert kept is not None and (kept.vote, kept.voted_at) == (False, clock.moment)


@pytest.mark.parametrize("forged", ["AAAAAAAAAAAA", "", "x" * 17, "../../etc", "é" * 12])
def test_a_vote_on_an_unknown_id_records_nothing(hub: Hub, forged: str):
    question_id = ask(hub, "La mairie est ouverte samedi ?", "answered")

    assert vote_question(hub, forged, False) is False
    kept = kept_question(hub, question_id)
    assert kept is not None and kept.vote is None


def test_a_vote_is_taken_for_one_day(hub: Hub, clock: FakeClock):
    question_id = ask(hub, "quand passe le camion poubelle ?", "answered")

    clock.advance(DAY - 1)
    assert vote_question(hub, question_id, False) is True
    clock.advance(1)
    assert vote_question(hub, question_id, True) is False
    kept = kept_question(hub, question_id)
    assert kept is not None and kept.vote is False


def test_votes_at_once_leave_one_of_them(hub: Hub):
    question_id = ask(hub, "quand passe le camion poubelle ?", "answered")
    results: list[bool] = []
    start = threading.Barrier(8)

    def vote(useful: bool) -> None:
        start.wait()
        results.append(vote_question(hub, question_id, useful))

    threads = [threading.Thread(target=vote, args=(n % 2 == 0,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [True] * 8
    kept = kept_question(hub, question_id)
    assert kept is not None and kept.vote in (True, False)


# --- Retention -------------------------------------------------------------------------------


def test_answered_questions_go_after_a_day_the_others_after_the_retention_period(
    hub: Hub, clock: FakeClock
):
    answered = ask(hub, "la mairie est ouverte samedi ?", "answered")
    liked = ask(hub, "horaires de la médiathèque", "answered")
    staff = ask(hub, "où jeter mes déchets verts ?", "staff_answer")
    disliked = ask(hub, "c'est combien le passeport ?", "answered")
    unsure = ask(hub, "je veux un truc pour ma maison", "unsure")
    lost = ask(hub, "trou dans la route", "not_understood")
    vote_question(hub, liked, True)
    vote_question(hub, disliked, False)

    clock.advance(DAY - 1)
    assert purge_questions(hub) == 0
    clock.advance(1)
    assert purge_questions(hub) == 3
    assert [kept_question(hub, q) is not None for q in (answered, liked, staff)] == [False] * 3
    assert vote_question(hub, answered, False) is False  # erased: its vote is refused

    clock.advance(89 * DAY - 1)
    assert purge_questions(hub) == 0
    assert review_state(hub).total == 3
    clock.advance(1)
    assert purge_questions(hub) == 3
    assert [kept_question(hub, q) for q in (disliked, unsure, lost)] == [None] * 3


async def test_the_running_worker_erases_the_questions_past_their_retention(
    hub: Hub, clock: FakeClock
):
    question_id = ask(hub, "trou dans la route", "not_understood")
    worker = Worker(hub, {}, poll=False)
    clock.advance(90 * DAY)

    running = asyncio.create_task(worker.run())
    await asyncio.wait_for(worker.purged.wait(), 30)  # its first purge, at start
    worker.stop()
    await running

    assert kept_question(hub, question_id) is None


# --- The staff's review ----------------------------------------------------------------------


def seed_review(hub: Hub, clock: FakeClock) -> dict[str, str]:
    """Questions as a week brings them: alike wordings, a 👎, answered ones left alone."""
    ids = {}
    for name, text, outcome in [
        ("green1", "Où jeter mes déchets verts ?", "not_understood"),
        ("bins", "Quand passe le camion poubelle ?", "out_of_scope"),
        ("green2", "ou jeter les dechets verts", "unsure"),
        ("fine", "La mairie est ouverte samedi ?", "answered"),
        ("green3", "où jeter mes déchets verts", "answered"),
    ]:
        ids[name] = ask(hub, text, outcome)
        clock.advance(3600)
    vote_question(hub, ids["green3"], False)
    return ids


def test_the_review_groups_the_questions_to_look_at(hub: Hub, clock: FakeClock):
    ids = seed_review(hub, clock)

    state = review_state(hub)

    assert state.total == 4  # the answer nobody voted down is not to review
    assert [(g.representative, len(g.questions)) for g in state.groups] == [
        ("où jeter mes déchets verts", 3),
        ("Quand passe le camion poubelle ?", 1),
    ]
    assert state.groups[0].id == ids["green3"] and state.groups[0].thumbs_down == 1


def test_a_group_marked_for_training_is_exported_as_nlu_data(hub: Hub, clock: FakeClock):
    ids = seed_review(hub, clock)

    marked = mark_for_training(hub, ids["green1"], "waste_collection", actor=EDITOR)

    assert marked == 3
    assert [g.representative for g in review_state(hub).groups] == [
        "Quand passe le camion poubelle ?"
    ]
    kept = kept_question(hub, ids["green2"])
    assert kept is not None
    assert (kept.review, kept.label, kept.reviewed_by) == ("training", "waste_collection", EDITOR)
    entry = audit_entries(hub)[0]
    assert (entry.actor, entry.action) == (EDITOR, "questions pour l'entraînement")
    assert entry.detail == "« où jeter mes déchets verts » (3 questions) → waste_collection"
    mark_for_training(hub, ids["bins"], "procedure/passeport", actor=EDITOR)
    data = yaml.safe_load(training_export(hub, actor="cli"))
    assert data == {
        "version": "3.1",
        "nlu": [
            {"intent": "procedure/passeport", "examples": "- Quand passe le camion poubelle ?\n"},
            {
                "intent": "waste_collection",
                "examples": "- Où jeter mes déchets verts ?\n- ou jeter les dechets verts\n",
            },
        ],
    }


def test_an_unknown_label_or_a_group_done_already_is_refused(hub: Hub, clock: FakeClock):
    ids = seed_review(hub, clock)

    with pytest.raises(InvalidInput, match="Choisissez une intention ou une démarche"):
        mark_for_training(hub, ids["green1"], "procedure/piscine", actor=EDITOR)
    assert dismiss_group(hub, ids["green1"], actor=EDITOR) == 3
    with pytest.raises(NotFound, match="déjà été traitées"):
        mark_for_training(hub, ids["green1"], "waste_collection", actor=EDITOR)
    assert audit_entries(hub)[0].action == "questions ignorées"
    assert training_export(hub, actor="cli").endswith('version: "3.1"\nnlu: []\n')


def test_the_labels_are_the_domains_intents_and_the_towns_procedures(hub: Hub):
    labels = training_labels(hub)

    assert "ask_opening_hours" in labels and "waste_collection" in labels
    assert "nlu_fallback" not in labels  # the fallback's: never a training example
    assert labels[-len(hub.town.procedures) :] == tuple(
        f"procedure/{key}" for key in hub.town.procedures
    )


def test_an_answer_written_for_a_group_is_given_by_the_assistant_without_retraining(
    hub: Hub, clock: FakeClock
):
    ids = seed_review(hub, clock)
    typed = AnswerInput(
        "Les déchets verts vont à la déchetterie, ou dans le bac marron d'avril à novembre.",
        "Où jeter mes déchets verts ?\n\n  que faire de mes tontes de gazon ?  \n",
    )

    edit = write_answer(hub, ids["green2"], typed, actor=EDITOR)

    assert edit.key == "ou_jeter_mes_dechets_verts"
    assert edit.questions == ("Où jeter mes déchets verts ?", "que faire de mes tontes de gazon ?")
    assert (edit.edited_by, edit.checked) == (EDITOR, hub.now().astimezone(hub.zone).date())
    town = effective_town(hub)
    found = matching_answer(town, "que faire des tontes de gazon")
    assert found is not None and found.answer == typed.answer
    assert [g.representative for g in review_state(hub).groups] == [
        "Quand passe le camion poubelle ?"
    ]
    kept = kept_question(hub, ids["green3"])
    assert kept is not None and kept.review == "answered"
    assert audit_entries(hub)[0].detail == (
        "« où jeter mes déchets verts » (3 questions) : ou_jeter_mes_dechets_verts"
    )
    # A second answer to alike words gets a key of its own; removing one leaves the other.
    other = write_answer(hub, ids["bins"], AnswerInput("Le mardi.", typed.questions), actor=EDITOR)
    assert other.key == "ou_jeter_mes_dechets_verts_2"
    assert remove_answer(hub, edit.key, actor=EDITOR) is True
    assert remove_answer(hub, edit.key, actor=EDITOR) is False
    assert list(staff_answers(hub)) == [other.key]
    assert audit_entries(hub)[0].action == "réponse supprimée"


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        (AnswerInput("", "Où jeter mes déchets verts ?"), "answer", "Réponse : texte vide"),
        (AnswerInput("Au bac marron.", " \n "), "questions",
         "Questions : liste vide : au moins un élément attendu"),
        (AnswerInput("x" * 3001, "a"), "answer", "Réponse : 3000 caractères au plus"),
        (AnswerInput("Au bac.", "\n".join(f"question {n}" for n in range(21))), "questions",
         "Questions : 20 questions au plus"),
        (AnswerInput("Au bac.", "q" * 301), "questions",
         "Questions : 300 caractères au plus par question"),
    ],
)  # fmt: skip
def test_a_refused_answer_names_its_field_and_changes_nothing(
    hub: Hub, clock: FakeClock, typed: AnswerInput, field: str, message: str
):
    ids = seed_review(hub, clock)

    with pytest.raises(ContentRefused) as refused:
        write_answer(hub, ids["green1"], typed, actor=EDITOR)

    assert (refused.value.field, str(refused.value)) == (field, message)
    assert staff_answers(hub) == {}
    assert review_state(hub).total == 4


# --- The commands ----------------------------------------------------------------------------


def test_the_command_lists_the_groups_to_review_in_plain_french(
    hub: Hub, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
):
    command_environment(monkeypatch, hub.settings.database_url)
    runner = CliRunner()
    assert runner.invoke(cli_app, ["conversations", "unanswered"]).output == (
        "Aucune question à revoir.\n"
    )
    seed_review(hub, clock)

    result = runner.invoke(cli_app, ["conversations", "unanswered"])
    shorter = runner.invoke(cli_app, ["conversations", "unanswered", "--limit", "1"])

    assert result.exit_code == 0, result.output
    assert result.output == (
        "4 questions à revoir, en 2 groupes :\n"
        "    3 × « où jeter mes déchets verts » (dernière le 25/11/2026 14:00, 1 👎)\n"
        "    1 × « Quand passe le camion poubelle ? » (dernière le 25/11/2026 11:00)\n"
    )
    assert shorter.output.endswith("… et 1 autre groupe.\n")


def test_the_command_exports_the_training_data_to_a_file_or_the_output(
    hub: Hub, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    command_environment(monkeypatch, hub.settings.database_url)
    ids = seed_review(hub, clock)
    mark_for_training(hub, ids["bins"], "waste_collection", actor=EDITOR)
    runner, path = CliRunner(), tmp_path / "entrainement.yml"

    printed = runner.invoke(cli_app, ["conversations", "training-export"])
    written = runner.invoke(cli_app, ["conversations", "training-export", "--output", str(path)])
    refused = runner.invoke(cli_app, ["conversations", "training-export", "--output", "/"])

    expected = {
        "version": "3.1",
        "nlu": [{"intent": "waste_collection", "examples": "- Quand passe le camion poubelle ?\n"}],
    }
    assert yaml.safe_load(printed.output) == expected
    assert (written.exit_code, written.output) == (0, f"Écrit : {path}.\n")
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == expected
    assert refused.exit_code == 1
    assert "Erreur : écriture impossible dans / : Is a directory" in refused.output
    entry = audit_entries(hub)[0]
    assert (entry.actor, entry.action, entry.detail) == ("cli", "questions exportées", "1 exemple")


def test_the_privacy_page_states_what_is_kept_and_for_how_long(hub: Hub):
    body = privacy_body(hub.town, hub.settings.model_copy(update={"question_retention_days": 45}))

    assert "<h2>Les questions posées à l'assistant</h2>" in body
    assert "sans jamais garder qui les a posées" in body
    assert "nous masquons les numéros de téléphone, les adresses e-mail" in body
    assert "effacée au bout de 1 jour, quand l'avis n'est plus possible" in body
    assert "a reçu un 👎 sont gardées 45 jours, puis effacées" in body
