"""The console's dashboard over real HTTP (SQLite and PostgreSQL): the numbers a town hall
needs, each plot with its table; the sending service's heartbeat; « Lire maintenant ». The
web app's clock stands at START (Wednesday 25 November 2026, 10:00 in Trilport); the test's
hub writes the history through the use cases, moving its own clock."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from notifications.dashboard import ChatTally, flush_chats, worker_beat, worker_stopped
from notifications.hub import Hub
from notifications.messages import announce
from notifications.outbox import release_due
from notifications.poller import claim_due_sources
from notifications.records import DeliveryStatus
from notifications.source_admin import add_source, make_spec
from notifications.staff import add_staff, audit_entries
from notifications.store.tables import DeliveryRow
from notifications.subscribers import add_subscriber, deactivate_address
from tests import test_console_web
from tests.axe import assert_accessible
from tests.hub_support import START, FakeClock, make_test_hub
from tests.test_console_browser import console_tab
from tests.test_console_web import ADMIN, EDITOR, PASSWORD, csrf_of, logged_in
from tests.test_web_alerts import assert_french_page

site = test_console_web.site
client = test_console_web.client
accounts = test_console_web.accounts

DASHBOARD = "/console/tableau-de-bord"
AGENT = "accueil@trilport.example"
WORKER = "mairie-srv:4242:a1b2c3"
FEED = "https://www.trilport.example/actualites.xml"


def row(heading: str, *cells: str) -> str:
    """One row of a plot's table: its category, then one cell per series."""
    return f'<tr><th scope="row">{heading}</th>' + "".join(f"<td>{c}</td>" for c in cells)


def finish(hub: Hub, address: str, status: DeliveryStatus) -> None:
    """The delivery to Telegram chat ADDRESS ended with STATUS (as the worker records it)."""
    subscriber = next(s for s in _subscribers(hub) if s[1] == address)[0]
    with hub.db.session() as session:
        session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.subscriber_id == subscriber)
            .values(status=status, sent_at=hub.now() if status == "sent" else None)
        )


def _subscribers(hub: Hub) -> list[tuple[int, str]]:
    from notifications.subscribers import list_subscribers

    return [(info.id, info.address) for info in list_subscribers(hub)]


@pytest.fixture
def history(accounts: Hub) -> Hub:
    write_history(accounts)
    return accounts


def write_history(accounts: Hub) -> None:
    """Three Telegram chats on « Travaux » since Monday, one of which left on Tuesday; an
    e-mail address never confirmed; today an announcement: one delivery sent, one failed, one
    still to make; 3 web and 1 Telegram chat messages today; the worker's heartbeat 12 s ago,
    and yesterday (its count per topic)."""
    clock = accounts.clock
    assert isinstance(clock, FakeClock)
    clock.set(START - timedelta(days=2))
    for chat in ("1001", "1002", "1004"):
        add_subscriber(accounts, "telegram", chat, ["travaux"])
    add_subscriber(accounts, "email", "habitant@trilport.example", ["travaux"])
    clock.set(START - timedelta(days=1))
    deactivate_address(accounts, "telegram", "1001", "le résident a bloqué le bot")
    worker_beat(accounts, WORKER, START - timedelta(days=1))  # yesterday's count per topic
    clock.set(START - timedelta(hours=1))
    add_subscriber(accounts, "telegram", "1005", ["ecoles", "travaux"])
    clock.set(START)
    announce(accounts, "Rue de Meaux fermée", topics=["travaux"])
    release_due(accounts)
    finish(accounts, "1002", DeliveryStatus.SENT)
    finish(accounts, "1004", DeliveryStatus.FAILED)
    tally = ChatTally(accounts.now, accounts.zone)
    for front in ("web", "web", "telegram", "web"):
        tally.add(front)
    assert flush_chats(accounts, tally) == 4
    clock.set(START - timedelta(seconds=12))
    worker_beat(accounts, WORKER, START - timedelta(hours=3))
    clock.set(START)
    add_source(accounts, make_spec(accounts, "actualites", "rss", url=FEED))
    claim_due_sources(accounts)  # being read: due again in 5 minutes


async def test_the_dashboard_shows_each_plot_with_its_numbers(
    client: httpx.AsyncClient, history: Hub
):
    await logged_in(client, EDITOR)

    response = await client.get(DASHBOARD)

    assert_french_page(response, 200)
    assert response.headers["cache-control"] == "no-store"
    text = response.text
    assert "<h1>Tableau de bord</h1>" in text
    assert "du 27/10/2026 au 25/11/2026" in text  # 30 days, today the last
    assert "Le service d'envoi fonctionne (dernier signe il y a 12 secondes)." in text
    assert "1 envoi en attente, dont 1 à faire maintenant ; le plus ancien attend" in text
    # Six plots, each an image named by its title and described, then its numbers.
    assert len(re.findall(r'<svg class="plot-svg" role="img"', text)) == 6
    for ident in ("abonnes", "themes", "themes-jours", "envois", "echecs", "messages"):
        assert f'aria-labelledby="{ident}-title {ident}-desc"' in text
        assert text.count(f'<figure class="plot" id="{ident}">') == 1
    assert text.count("<details>") == 6 and text.count("<caption>") == 6
    # Active Telegram chats at each day's end: 3 on Monday, 2 from Tuesday, 3 today.
    assert '<th scope="col">Jour</th><th scope="col">Telegram</th>' in text
    assert row("22/11", "0") in text and row("23/11", "3") in text
    assert row("24/11", "2") in text and row("25/11", "3") in text
    assert "E-mail" not in text.split('id="abonnes"')[1].split("</figure>")[0]  # unconfirmed
    assert row("Travaux", "3") in text and row("Écoles", "1") in text
    # Per topic and day (Actualités, Travaux, Écoles, then five more): the worker's count
    # yesterday, none before it, today's number now.
    by_day = text.split('id="themes-jours"')[1].split("</figure>")[0]
    assert row("23/11", *["—"] * 8) in by_day
    assert row("24/11", "0", "2", *["0"] * 6) in by_day
    assert row("25/11", "0", "3", "1", *["0"] * 5) in by_day
    assert "les jours d'avant son premier compte restent vides" in text
    # Today's deliveries (sent, failed) and Telegram's failure rate.
    assert '<th scope="col">Envoyés</th><th scope="col">Échecs</th>' in text
    assert row("25/11", "1", "1") in text and row("24/11", "0", "0") in text
    assert row("Telegram", "50,0\u00a0%") in text
    # Chat messages: Telegram, then the website.
    assert '<th scope="col">Telegram</th><th scope="col">Site web</th>' in text
    assert row("25/11", "1", "3") in text


async def test_a_silent_or_stopped_worker_is_said_in_words(
    client: httpx.AsyncClient, accounts: Hub
):
    await logged_in(client, ADMIN)
    never = await client.get(DASHBOARD)
    assert "Le service d'envoi n'a donné aucun signe depuis une journée" in never.text
    assert 'class="status is-error"' in never.text

    accounts.clock.set(START - timedelta(minutes=5))  # type: ignore[attr-defined]
    worker_beat(accounts, WORKER, START - timedelta(hours=1))
    silent = await client.get(DASHBOARD)
    assert "Le service d'envoi ne répond plus depuis 5 minutes (dernier signe le " in silent.text
    assert "25/11/2026 à 09:55:00)" in silent.text

    worker_stopped(accounts, WORKER)
    stopped = await client.get(DASHBOARD)
    assert "Le service d'envoi est arrêté depuis 5 minutes." in stopped.text


async def test_agents_may_not_see_the_dashboard_and_visitors_must_log_in(
    client: httpx.AsyncClient, accounts: Hub
):
    assert (await client.get(DASHBOARD)).status_code == 303
    add_staff(accounts, AGENT, "agent", PASSWORD, actor="cli")
    await logged_in(client, AGENT)

    response = await client.get(DASHBOARD)

    assert_french_page(response, 403)
    assert "Votre compte ne donne pas accès à cette page." in response.text


async def test_read_now_makes_the_source_due_and_is_audited(
    client: httpx.AsyncClient, accounts: Hub
):
    add_source(accounts, make_spec(accounts, "actualites", "rss", url=FEED))
    assert [s.config.name for s in claim_due_sources(accounts)] == ["actualites"]  # now leased
    assert claim_due_sources(accounts) == []
    await logged_in(client, EDITOR)
    page = await client.get(DASHBOARD)
    assert row("actualites", "rss", "jamais", "jamais lue") in page.text
    assert '<span class="visually-hidden"> « actualites »</span>' in page.text

    refused = await client.post(DASHBOARD + "/sources/actualites/lire", data={"csrf": "x" * 43})
    assert_french_page(refused, 403)
    response = await client.post(
        DASHBOARD + "/sources/actualites/lire", data={"csrf": csrf_of(page)}
    )

    assert response.status_code == 303
    there = client.base_url.join(DASHBOARD + "/sources/actualites/lire").join(
        response.headers["location"]
    )
    assert (there.path, there.query, there.fragment) == (
        DASHBOARD,
        b"lecture=actualites",
        "sources",
    )
    after = await client.get(there)
    assert (
        '<p class="status is-ok" role="status">La source « actualites » sera lue dans quelques '
        "secondes.</p>" in after.text
    )
    assert "<td>dans quelques secondes</td>" in after.text
    assert [s.config.name for s in claim_due_sources(accounts)] == ["actualites"]
    entry = audit_entries(accounts, 1)[0]
    assert (entry.actor, entry.action, entry.detail) == (
        EDITOR,
        "lecture immédiate d'une source",
        "actualites",
    )


@pytest.mark.parametrize("name", ["inconnue", "Pas%20un%20nom"])
async def test_reading_an_unknown_source_is_a_404(
    client: httpx.AsyncClient, accounts: Hub, name: str
):
    await logged_in(client, EDITOR)
    page = await client.get(DASHBOARD)

    response = await client.post(f"{DASHBOARD}/sources/{name}/lire", data={"csrf": csrf_of(page)})

    assert_french_page(response, 404)
    assert "Cette source n'existe pas" in response.text
    assert "« inconnue »" not in (await client.get(DASHBOARD + "?lecture=inconnue")).text


def test_in_a_browser_the_page_passes_axe_and_reads_a_source_now(tmp_path: Path):
    with console_tab(tmp_path) as (base, tab):  # its editor is EDITOR, with PASSWORD
        hub = make_test_hub(f"sqlite:///{tmp_path / 'hub.db'}", FakeClock())
        write_history(hub)
        tab.goto(base + "/console/connexion")
        tab.get_by_label("Adresse e-mail").fill(EDITOR)
        tab.get_by_label("Mot de passe").fill(PASSWORD)
        tab.get_by_role("button", name="Se connecter").click()
        tab.get_by_role("link", name="Tableau de bord").click()

        expect(tab).to_have_url(base + DASHBOARD)
        expect(tab.get_by_role("img", name="Abonnés actifs par canal, chaque jour")).to_be_visible()
        tab.get_by_text("Les chiffres : Abonnés actifs par canal, chaque jour").click()
        table = tab.get_by_role("table", name="Abonnés actifs par canal, chaque jour")
        expect(table.get_by_role("row", name="25/11 3")).to_be_visible()
        assert_accessible(tab, "the dashboard, a plot's numbers open")

        button = tab.get_by_role("button", name="Lire maintenant « actualites »")
        button.focus()
        tab.keyboard.press("Enter")

        expect(tab.get_by_role("status")).to_have_text(
            "La source « actualites » sera lue dans quelques secondes."
        )
        assert_accessible(tab, "the dashboard after « Lire maintenant »")
        hub.close()
