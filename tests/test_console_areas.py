"""Alerts by area in the console over real HTTP (SQLite and PostgreSQL): an announcement may
be for some areas (its preview's audience follows, its page and the edit form say which), and
an agent at the counter may give the person's street (its area is kept, an unknown street is
refused on that field)."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from notifications.hub import Hub
from notifications.messages import get_message
from notifications.outbox import release_due
from notifications.staff import add_staff
from notifications.subscribers import add_subscriber, export_subscriber, find_subscriber
from tests import test_console_web
from tests.test_console_announcements import COMPOSE, PREVIEW, compose, form_data, message_id
from tests.test_console_counter import ADDRESS, AGENT, COUNTER, enrol
from tests.test_console_web import EDITOR, PASSWORD, csrf_of, logged_in
from tests.test_web_alerts import assert_french_page

site = test_console_web.site
client = test_console_web.client
accounts = test_console_web.accounts

AUDIENCE = re.compile(r"qui la recevront\u00a0: (\d+) en tout")
REVISION = re.compile(r'name="revision" value="(\d+)"')


@pytest.fixture
def residents(accounts: Hub) -> Hub:
    """On « Travaux », by Telegram: two residents of sector A, one of sector B, one who chose
    no area (the whole commune)."""
    for chat, areas in (("1", ["secteur_a"]), ("2", ["secteur_a"]), ("3", ["secteur_b"])):
        add_subscriber(accounts, "telegram", chat, ["travaux"], areas=areas)
    add_subscriber(accounts, "telegram", "4", ["travaux"])
    return accounts


def audience_in(text: str) -> int:
    found = AUDIENCE.search(text)
    assert found, "no audience in the preview"
    return int(found.group(1))


async def test_the_compose_form_offers_the_towns_areas(client: httpx.AsyncClient, accounts: Hub):
    await logged_in(client, EDITOR)

    form = await client.get(COMPOSE)

    assert_french_page(form, 200)
    assert "<legend>Secteurs (facultatif)</legend>" in form.text
    assert 'aria-describedby="secteurs-hint"' in form.text
    assert "Sans secteur coché, l'annonce va à toute la commune." in html.unescape(form.text)
    assert 'name="secteurs" value="secteur_a">' in form.text and ">Secteur A</span>" in form.text


async def test_the_preview_counts_only_the_areas_subscribers_and_those_of_none(
    client: httpx.AsyncClient, residents: Hub
):
    await logged_in(client, EDITOR)
    csrf = csrf_of(await client.get(COMPOSE))

    everyone = await compose(client, "apercu")
    sector_a = await compose(client, "apercu", secteurs=["secteur_a"])
    both = await client.post(PREVIEW, data=form_data(csrf, "", secteurs=["secteur_b", "secteur_a"]))

    assert audience_in(everyone.text) == 4
    assert "Secteurs visés" not in everyone.text
    assert audience_in(sector_a.text) == 3
    assert "Secteurs visés\u00a0: Secteur A. Les abonnés qui n'ont choisi aucun secteur la " in (
        html.unescape(sector_a.text)
    )
    assert 'name="secteurs" value="secteur_a" checked>' in sector_a.text
    assert both.status_code == 200
    assert audience_in(both.json()["html"]) == 4
    assert "Secteur A, Secteur B" in both.json()["html"]


async def test_an_announcement_for_an_area_reaches_it_and_says_so(
    client: httpx.AsyncClient, residents: Hub
):
    await logged_in(client, EDITOR)

    number = message_id(await compose(client, "publier", secteurs=["secteur_b"]))

    assert get_message(residents, number).areas == ("secteur_b",)
    page = await client.get(f"/console/annonces/{number}")
    assert "<dt>Secteurs</dt>\n      <dd>Secteur B</dd>" in page.text
    release_due(residents)
    page = await client.get(f"/console/annonces/{number}")
    assert '<th scope="row">Telegram</th><td>0</td><td>0</td><td>2</td>' in page.text


async def test_changing_a_draft_keeps_then_changes_its_areas(
    client: httpx.AsyncClient, residents: Hub
):
    await logged_in(client, EDITOR)
    number = message_id(await compose(client, "brouillon", secteurs=["secteur_a"]))

    edit = await client.get(f"/console/annonces/{number}/modifier")
    assert 'name="secteurs" value="secteur_a" checked>' in edit.text
    assert 'name="secteurs" value="secteur_b">' in edit.text
    revision = REVISION.search(edit.text)
    assert revision
    data = form_data(csrf_of(edit), "brouillon", revision=revision.group(1))
    changed = await client.post(f"/console/annonces/{number}/modifier", data=data)

    assert changed.status_code == 303
    assert get_message(residents, number).areas == ()  # none ticked: the whole commune
    page = await client.get(f"/console/annonces/{number}")
    assert "<dt>Secteurs</dt>\n      <dd>toute la commune</dd>" in page.text


async def test_an_unknown_area_gives_the_form_again_on_that_field(
    client: httpx.AsyncClient, accounts: Hub
):
    await logged_in(client, EDITOR)

    response = await compose(client, "publier", secteurs=["secteur_z"])

    assert_french_page(response, 422)
    assert "Secteur inconnu « secteur_z »." in html.unescape(response.text)
    assert 'value="secteur_a" aria-invalid="true">' in response.text
    assert 'aria-describedby="secteurs-hint form-error"' in response.text


@pytest.fixture
def agent(accounts: Hub) -> Hub:
    add_staff(accounts, AGENT, "agent", PASSWORD, actor="cli")
    return accounts


async def test_the_counter_offers_the_communes_streets(client: httpx.AsyncClient, agent: Hub):
    await logged_in(client, AGENT)

    page = await client.get(COUNTER)

    assert '<label for="rue">Rue de la personne (facultatif)</label>' in page.text
    assert 'list="rues" autocomplete="off"' in page.text
    assert '<option value="Rue de Meaux">' in page.text
    assert 'aria-describedby="rue-hint"' in page.text


async def test_an_agent_enrols_a_resident_of_a_street(client: httpx.AsyncClient, agent: Hub):
    await logged_in(client, AGENT)

    response = await enrol(client, rue="3 bis quai de la Marne")

    assert_french_page(response, 200)
    assert "<dt>Secteurs</dt>\n      <dd>Secteur B</dd>" in response.text
    info = find_subscriber(agent, "email", ADDRESS)
    assert info is not None
    assert export_subscriber(agent, info.id)["abonne"]["secteurs"] == ["secteur_b"]


async def test_an_unknown_street_at_the_counter_is_refused_on_its_field(
    client: httpx.AsyncClient, agent: Hub
):
    await logged_in(client, AGENT)

    response = await enrol(client, rue="Rue de Nulle-Part")

    assert_french_page(response, 422)
    text = html.unescape(response.text)
    assert "La rue « Rue de Nulle-Part » n'est pas dans la liste des rues de la commune." in text
    assert (
        'value="Rue de Nulle-Part" aria-invalid="true" aria-describedby="rue-hint form-error"'
        in (response.text)
    )
    assert find_subscriber(agent, "email", ADDRESS) is None
