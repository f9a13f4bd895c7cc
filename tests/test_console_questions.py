"""The console's Questions section over real HTTP: uvicorn serving create_app on a migrated
hub database (SQLite and PostgreSQL), the questions recorded through the test's own hub as
the action server records them; its clock stands at the tests' START."""

from __future__ import annotations

import html
import re

import httpx
import pytest
import yaml

from arobase.staff_answers import matching_answer
from notifications.hub import Hub
from notifications.questions import (
    AskedQuestion,
    kept_question,
    record_question,
    review_state,
    staff_answers,
    vote_question,
)
from notifications.staff import add_staff, audit_entries
from notifications.town_content import effective_town
from tests import test_console_web
from tests.hub_support import FakeClock
from tests.test_console_content import landed
from tests.test_console_web import ADMIN, EDITOR, PASSWORD, csrf_of, logged_in
from tests.test_web_alerts import assert_french_page

site = test_console_web.site
client = test_console_web.client
accounts = test_console_web.accounts

AGENT = "accueil@trilport.example"
QUESTIONS = "/console/questions"
ANSWERS = "/console/questions/reponses"
EXPORT = "/console/questions/entrainement.yml"
GREEN = "Les déchets verts vont à la déchetterie, ou dans le bac marron d'avril à novembre."


def ask(hub: Hub, text: str, outcome: str = "not_understood") -> str:
    return record_question(hub, AskedQuestion(text, "web", "nlu_fallback", None, 0.3, outcome))


@pytest.fixture
def asked(accounts: Hub, clock: FakeClock) -> dict[str, str]:
    """A morning's questions, a minute apart: three alike wordings (the last voted 👎), and
    another subject."""
    ids = {}
    clock.advance(-600)  # before the app's frozen clock
    for name, text, outcome in [
        ("green1", "Où jeter mes déchets verts ?", "not_understood"),
        ("bins", "Quand passe le camion poubelle ?", "out_of_scope"),
        ("green2", "ou jeter les dechets verts", "unsure"),
        ("green3", "où jeter mes déchets verts", "answered"),
        ("fine", "La mairie est ouverte samedi ?", "answered"),
    ]:
        clock.advance(60)
        ids[name] = ask(accounts, text, outcome)
    vote_question(accounts, ids["green3"], False)
    return ids


def group_of(text: str, question_id: str) -> str:
    """The HTML of the group whose actions name QUESTION_ID."""
    found = re.search(
        rf'<section aria-labelledby="group-{re.escape(question_id)}">.*?</section>', text, re.S
    )
    assert found, text
    return found.group()


async def test_the_review_shows_the_groups_with_their_facts_and_actions(
    client: httpx.AsyncClient, accounts: Hub, asked: dict[str, str]
):
    await logged_in(client, EDITOR)

    page = await client.get(QUESTIONS)

    assert_french_page(page, 200)
    text = page.text
    assert page.headers["cache-control"] == "no-store"
    assert "<h1>Questions des habitants</h1>" in text
    assert 'aria-current="page">Questions des habitants</a>' in text
    assert "<p>4 questions à revoir, en 2 groupes.</p>" in text
    green = group_of(text, asked["green3"])
    assert '<h3 id="group-' + asked["green3"] + '">« où jeter mes déchets verts »</h3>' in green
    assert "<p>3 questions, du <time" in green
    assert (
        "<p>Répondue : 1 ; non comprise : 1 ; réponse incertaine : 1 ; "
        "réponse jugée inutile (👎) : 1.</p>" in green
    )
    assert (
        "<ul><li>ou jeter les dechets verts</li><li>Où jeter mes déchets verts ?</li></ul>" in green
    )
    assert (
        '<option value="waste_collection">Collecte des déchets (waste_collection)</option>' in green
    )
    assert (
        '<option value="procedure/passeport">Démarche : Passeport (procedure/passeport)</option>'
        in green
    )
    assert 'value="nlu_fallback"' not in green
    assert f'action="questions/{asked["green3"]}/entrainement"' in green
    assert f'href="questions/{asked["green3"]}/reponse">Écrire une réponse' in green
    assert f'action="questions/{asked["green3"]}/ignorer"' in green
    assert "La mairie est ouverte samedi" not in text  # answered, no 👎: nothing to review
    assert text.index("déchets verts") < text.index("camion poubelle")  # the biggest first


async def test_an_agent_may_not_see_the_questions(
    client: httpx.AsyncClient, accounts: Hub, asked: dict[str, str]
):
    add_staff(accounts, AGENT, "agent", PASSWORD, actor="cli")
    await logged_in(client, AGENT)

    for path in (QUESTIONS, ANSWERS, EXPORT, f"{QUESTIONS}/{asked['bins']}/reponse"):
        assert_french_page(await client.get(path), 403)
    posted = await client.post(f"{QUESTIONS}/{asked['bins']}/ignorer", data={"csrf": "x"})
    assert posted.status_code == 403
    assert "Questions des habitants" not in (await client.get("/console")).text
    assert review_state(accounts).total == 4


async def test_a_logged_out_visitor_is_sent_to_the_login_form(client: httpx.AsyncClient):
    response = await client.get(QUESTIONS)

    assert landed(client, response, QUESTIONS) == "/console/connexion"


async def test_marking_a_group_for_the_training_audits_it_and_exports_it(
    client: httpx.AsyncClient, accounts: Hub, asked: dict[str, str]
):
    page = await logged_in(client, ADMIN)
    path = f"{QUESTIONS}/{asked['green1']}/entrainement"

    forged = await client.post(path, data={"label": "waste_collection", "csrf": "faux"})
    response = await client.post(path, data={"label": "waste_collection", "csrf": csrf_of(page)})

    assert_french_page(forged, 403)
    assert landed(client, response, path) == QUESTIONS
    kept = kept_question(accounts, asked["green2"])
    assert kept is not None and (kept.review, kept.label) == ("training", "waste_collection")
    entry = audit_entries(accounts)[0]
    assert (entry.actor, entry.action) == (ADMIN, "questions pour l'entraînement")
    notice = await client.get(QUESTIONS + "?fait=entrainement")
    assert 'role="status">Les questions sont marquées pour le prochain entraînement' in notice.text
    assert "déchets verts" not in notice.text.split("<h2>Questions à revoir</h2>")[1]
    export = await client.get(EXPORT)
    assert export.status_code == 200
    assert export.headers["content-type"] == "application/yaml; charset=utf-8"
    assert export.headers["content-disposition"] == 'attachment; filename="entrainement.yml"'
    assert export.headers["cache-control"] == "no-store"
    assert yaml.safe_load(export.text) == {
        "version": "3.1",
        "nlu": [
            {
                "intent": "waste_collection",
                "examples": "- Où jeter mes déchets verts ?\n- ou jeter les dechets verts\n",
            }
        ],
    }
    assert (audit_entries(accounts)[0].action, audit_entries(accounts)[0].detail) == (
        "questions exportées",
        "2 exemples",
    )


async def test_a_label_left_unchosen_gives_the_page_again_with_the_reason(
    client: httpx.AsyncClient, accounts: Hub, asked: dict[str, str]
):
    page = await logged_in(client, EDITOR)

    response = await client.post(
        f"{QUESTIONS}/{asked['bins']}/entrainement", data={"label": "", "csrf": csrf_of(page)}
    )

    assert_french_page(response, 422)
    assert (
        'role="alert">Choisissez une intention ou une démarche dans la liste.</p>' in response.text
    )
    bins = group_of(response.text, asked["bins"])
    assert 'required aria-invalid="true" aria-describedby="form-error">' in bins
    assert "<title>Erreur\u00a0: " in response.text
    assert review_state(accounts).total == 4


async def test_ignoring_a_group_sets_it_aside_and_a_second_time_is_a_404(
    client: httpx.AsyncClient, accounts: Hub, asked: dict[str, str]
):
    page = await logged_in(client, EDITOR)
    path = f"{QUESTIONS}/{asked['bins']}/ignorer"

    first = await client.post(path, data={"csrf": csrf_of(page)})
    again = await client.post(path, data={"csrf": csrf_of(page)})

    assert landed(client, first, path) == QUESTIONS
    assert_french_page(again, 404)
    assert "Ces questions ont déjà été traitées, ou ont été effacées." in again.text
    assert (audit_entries(accounts)[0].action, audit_entries(accounts)[0].detail) == (
        "questions ignorées",
        "« Quand passe le camion poubelle ? » (1 question)",
    )
    assert_french_page(await client.get(f"{QUESTIONS}/n'importe-quoi/reponse"), 404)


async def test_an_answer_written_in_the_console_is_given_by_the_assistant(
    client: httpx.AsyncClient, accounts: Hub, asked: dict[str, str]
):
    await logged_in(client, EDITOR)
    path = f"{QUESTIONS}/{asked['green2']}/reponse"
    form = await client.get(path)
    assert_french_page(form, 200)
    assert '<label for="answer">Réponse de l\'assistant</label>' in form.text
    assert (
        ">où jeter mes déchets verts\nou jeter les dechets verts\n"
        "Où jeter mes déchets verts ?</textarea>" in form.text
    )

    refused = await client.post(path, data={"csrf": csrf_of(form), "answer": " ", "questions": "a"})
    typed = "Où jeter mes déchets verts ?\r\nQue faire de mes tontes de gazon ?"
    saved = await client.post(
        path, data={"csrf": csrf_of(form), "answer": GREEN, "questions": typed}
    )

    assert_french_page(refused, 422)
    assert 'role="alert">Réponse : texte vide.</p>' in refused.text
    assert (
        'id="answer" name="answer" rows="8" cols="30" maxlength="3000" required aria-invalid'
        in (refused.text)
    )
    assert landed(client, saved, path) == QUESTIONS
    (edit,) = staff_answers(accounts).values()
    assert edit.questions == ("Où jeter mes déchets verts ?", "Que faire de mes tontes de gazon ?")
    assert (edit.answer, edit.edited_by) == (GREEN, EDITOR)
    found = matching_answer(effective_town(accounts), "que faire des tontes de gazon ?")
    assert found is not None and found.answer == GREEN
    assert audit_entries(accounts)[0].action == "réponse écrite"
    listed = await client.get(ANSWERS)
    assert_french_page(listed, 200)
    assert f"<td>{html.escape(GREEN, quote=False)}</td><td>{EDITOR}</td>" in listed.text
    assert '<th scope="col">Questions</th>' in listed.text


async def test_removing_a_staff_answer_needs_the_csrf_and_audits_it(
    client: httpx.AsyncClient, accounts: Hub, asked: dict[str, str]
):
    page = await logged_in(client, EDITOR)
    write = f"{QUESTIONS}/{asked['bins']}/reponse"
    await client.post(write, data={"csrf": csrf_of(page), "answer": "Le mardi matin.",
                                   "questions": "Quand passe le camion poubelle ?"})  # fmt: skip
    (key,) = staff_answers(accounts)
    path = f"{ANSWERS}/{key}/supprimer"

    forged = await client.post(path, data={"csrf": "faux"})
    removed = await client.post(path, data={"csrf": csrf_of(page)})
    again = await client.post(path, data={"csrf": csrf_of(page)})

    assert_french_page(forged, 403)
    assert landed(client, removed, path) == ANSWERS
    assert_french_page(again, 404)
    assert staff_answers(accounts) == {}
    assert (audit_entries(accounts)[0].action, audit_entries(accounts)[0].detail) == (
        "réponse supprimée",
        key,
    )
    listed = await client.get(ANSWERS + "?fait=suppression")
    assert (
        'role="status">La réponse est supprimée. L\'assistant ne la donne plus.</p>' in listed.text
    )
    assert "Aucune réponse n'a été écrite dans la console." in listed.text
