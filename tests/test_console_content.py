"""The console's town content over real HTTP: uvicorn serving create_app on a migrated hub
database (SQLite and PostgreSQL), whose clock stands at the tests' START (Wednesday
25 November 2026, 10:00 in Trilport); accounts are added through the test's own hub."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from notifications.hub import Hub
from notifications.staff import add_staff, audit_entries
from notifications.town_content import effective_town, town_edits
from tests import test_console_web
from tests.test_console_web import ADMIN, EDITOR, PASSWORD, csrf_of, logged_in
from tests.test_web_alerts import assert_french_page

site = test_console_web.site
client = test_console_web.client
accounts = test_console_web.accounts

AGENT = "accueil@trilport.example"
CONTENT = "/console/contenu"
NEW = "/console/contenu/fermetures/nouvelle"
PASSPORT = "/console/contenu/demarches/passeport"


def closure_form(csrf: str, **changes: str | list[str]) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "csrf": csrf,
        "date": "2026-12-09",
        "until": "",
        "services": ["mediatheque"],
        "hours": "",
        "reason": "Inventaire annuel",
    }
    return data | changes


async def post_closure(http: httpx.AsyncClient, path: str = NEW, **changes: str | list[str]):
    form = await http.get(path)
    assert_french_page(form, 200)
    return await http.post(path, data=closure_form(csrf_of(form), **changes))


def landed(http: httpx.AsyncClient, response: httpx.Response, path: str) -> str:
    """Where a 303 from PATH leads (its link is relative to PATH)."""
    assert response.status_code == 303, response.text
    return str(http.base_url.join(path).join(response.headers["location"]).path)


async def test_the_overview_lists_the_files_closures_read_only_and_the_procedures(
    client: httpx.AsyncClient, accounts: Hub
):
    await logged_in(client, EDITOR)

    page = await client.get(CONTENT)

    assert_french_page(page, 200)
    text = page.text
    assert "<h1>Contenu de la commune</h1>" in text
    assert "<h2>Fermetures exceptionnelles</h2>" in text and "<h2>Démarches</h2>" in text
    assert 'href="contenu/fermetures/nouvelle">Ajouter une fermeture</a>' in text
    # The file's Christmas Eve: special hours at the town hall, shown without a link.
    row = re.search(r"<tr><td><time datetime=\"2026-12-24\">24/12/2026</time></td>"
                    r"<td>Mairie de Trilport</td>.*?</tr>", text)  # fmt: skip
    assert row, text
    assert "<td>Ouvert 08:30-12:00</td><td>Veille de Noël : fermeture à midi</td>" in row.group()
    assert "<td>Défini dans le fichier de la commune</td><td></td></tr>" in row.group()
    assert '<th scope="col">Vérifié le</th>' in text
    assert '<td>Passeport</td><td><time datetime="2026-11-01">' in text
    assert page.headers["cache-control"] == "no-store"


async def test_an_agent_may_not_edit_the_content(client: httpx.AsyncClient, accounts: Hub):
    add_staff(accounts, AGENT, "agent", PASSWORD, actor="cli")
    await logged_in(client, AGENT)

    for path in (CONTENT, NEW, PASSPORT):
        refused = await client.get(path)
        assert_french_page(refused, 403)
    posted = await client.post(NEW, data=closure_form("x"))
    assert posted.status_code == 403
    assert town_edits(accounts).closures == ()


async def test_adding_a_closure_stores_it_audits_it_and_shows_it(
    client: httpx.AsyncClient, accounts: Hub
):
    await logged_in(client, EDITOR)

    form = await client.get(NEW)
    text = form.text
    assert '<label for="date">Date (premier jour)</label>' in text
    assert "<legend>Services concernés</legend>" in text
    assert 'name="services" value="tous" checked>' in text  # by default: every service
    assert 'name="services" value="mediatheque">' in text
    assert "ex. 08:30-12:00" in text
    response = await client.post(NEW, data=closure_form(csrf_of(form), hours="14:00-17:00"))

    assert landed(client, response, NEW) == CONTENT
    (edit,) = town_edits(accounts).closures
    assert (edit.closure.services, edit.closure.hours) == (["mediatheque"], "14:00-17:00")
    assert edit.created_by == EDITOR
    assert effective_town(accounts).closures[-1] == edit.closure
    entry = audit_entries(accounts)[0]
    assert (entry.actor, entry.action) == (EDITOR, "fermeture ajoutée")
    page = await client.get(CONTENT + "?fait=ajout")
    assert "La fermeture est enregistrée." in page.text
    assert f"Ajouté dans la console (modifié par {EDITOR})" in page.text
    assert f'href="contenu/fermetures/{edit.id}">Modifier' in page.text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reason": "  "}, "reason", "Motif : texte vide."),
        ({"until": "2026-12-01"}, "until",
         "Jusqu'au : « until » (2026-12-01) est avant « date » (2026-12-09)."),
        ({"hours": "9h-12h"}, "hours",
         "Horaires : horaires attendus sous la forme 08:30-12:00 (ou 08:30-12:00, 14:00-17:00)."),
        ({"services": []}, "services",
         "Services : cochez au moins un service, ou « tous les services »."),
        ({"services": ["piscine"]}, "services", "Services : service inconnu « piscine »."),
        ({"date": "demain"}, "date", "Date : date invalide (AAAA-MM-JJ attendu)."),
    ],
)  # fmt: skip
async def test_a_refused_closure_gives_the_form_again_with_the_reason(
    client: httpx.AsyncClient, accounts: Hub, changes: dict, field: str, message: str
):
    await logged_in(client, EDITOR)

    response = await post_closure(client, **changes)

    assert_french_page(response, 422)
    text = response.text
    assert f'role="alert">{html.escape(message, quote=False)}</p>' in text
    assert "<title>Erreur\u00a0: " in text
    if field == "services":
        assert 'name="services" value="mairie" aria-invalid="true">' in text
    else:
        assert re.search(rf'id="{field}" name="{field}"[^>]*aria-invalid="true"', text), text
    assert 'value="Inventaire annuel"' in text or field == "reason"  # typed values kept
    assert town_edits(accounts).closures == ()


async def test_changing_then_removing_a_closure(client: httpx.AsyncClient, accounts: Hub):
    await logged_in(client, ADMIN)
    await post_closure(client)
    (edit,) = town_edits(accounts).closures
    path = f"{CONTENT}/fermetures/{edit.id}"

    form = await client.get(path)
    assert_french_page(form, 200)
    assert 'value="Inventaire annuel"' in form.text
    assert 'name="services" value="mediatheque" checked>' in form.text
    assert 'name="services" value="tous">' in form.text
    data = closure_form(csrf_of(form), services=["tous"], reason="Coupure d'électricité")
    changed = await client.post(path, data=data)
    assert landed(client, changed, path) == CONTENT
    (after,) = town_edits(accounts).closures
    assert (after.closure.services, after.closure.reason) == (None, "Coupure d'électricité")

    removed = await client.post(path + "/supprimer", data={"csrf": csrf_of(form)})

    assert landed(client, removed, path + "/supprimer") == CONTENT
    assert town_edits(accounts).closures == ()
    actions = [entry.action for entry in audit_entries(accounts)[:3]]
    assert actions == ["fermeture supprimée", "fermeture modifiée", "fermeture ajoutée"]
    gone = await client.get(path)
    assert_french_page(gone, 404)
    assert "Cette fermeture n'existe pas (ou plus)." in gone.text
    again = await client.post(path + "/supprimer", data={"csrf": csrf_of(form)})
    assert again.status_code == 404


async def test_a_form_without_the_sessions_token_is_refused(
    client: httpx.AsyncClient, accounts: Hub
):
    await logged_in(client, EDITOR)

    response = await client.post(NEW, data=closure_form("not-the-token"))

    assert_french_page(response, 403)
    assert town_edits(accounts).closures == ()


async def test_a_form_with_too_many_fields_is_refused(client: httpx.AsyncClient, accounts: Hub):
    await logged_in(client, EDITOR)
    form = await client.get(NEW)

    response = await client.post(
        NEW, data=closure_form(csrf_of(form), services=[f"s{i}" for i in range(40)])
    )

    assert response.status_code == 400
    assert town_edits(accounts).closures == ()


async def test_previewing_then_saving_then_reverting_a_procedure(
    client: httpx.AsyncClient, accounts: Hub
):
    await logged_in(client, EDITOR)
    form = await client.get(PASSPORT)
    assert_french_page(form, 200)
    assert "<h1>Démarche : Passeport</h1>" in form.text
    assert '<label for="answer">Réponse de l\'assistant</label>' in form.text
    assert 'id="checked" name="checked" type="date" required value="2026-11-01"' in form.text
    assert "Revenir au texte du fichier" not in form.text
    data = {"csrf": csrf_of(form), "answer": "Prenez rendez-vous à Meaux.", "checked": "2026-11-24"}

    preview = await client.post(PASSPORT, data=data | {"action": "apercu"})

    assert_french_page(preview, 200)
    assert "<pre>Prenez rendez-vous à Meaux.\n\nDocuments à fournir :" in preview.text
    assert town_edits(accounts).procedures == {}
    saved = await client.post(PASSPORT, data=data)
    assert landed(client, saved, PASSPORT) == CONTENT
    procedure = effective_town(accounts).procedures["passeport"]
    assert (procedure.answer, procedure.checked.isoformat()) == (data["answer"], "2026-11-24")
    overview = await client.get(CONTENT)
    assert f"Modifié dans la console par {EDITOR}" in overview.text
    form = await client.get(PASSPORT)
    assert "Prenez rendez-vous à Meaux.</textarea>" in form.text

    reverted = await client.post(PASSPORT + "/retablir", data={"csrf": csrf_of(form)})

    assert landed(client, reverted, PASSPORT + "/retablir") == CONTENT
    assert town_edits(accounts).procedures == {}
    actions = [entry.action for entry in audit_entries(accounts)[:2]]
    assert actions == ["démarche rétablie", "démarche modifiée"]


async def test_a_procedure_checked_tomorrow_is_refused(client: httpx.AsyncClient, accounts: Hub):
    await logged_in(client, EDITOR)
    form = await client.get(PASSPORT)

    response = await client.post(
        PASSPORT, data={"csrf": csrf_of(form), "answer": "Texte.", "checked": "2026-11-26"}
    )

    assert_french_page(response, 422)
    assert (
        "Vérifié le : la date de vérification ne peut pas être après aujourd'hui." in response.text
    )
    assert re.search(r'id="checked" name="checked"[^>]*aria-invalid="true"', response.text)
    assert town_edits(accounts).procedures == {}


async def test_an_unknown_procedure_is_not_found(client: httpx.AsyncClient, accounts: Hub):
    await logged_in(client, EDITOR)

    response = await client.get(CONTENT + "/demarches/permis_bateau")

    assert_french_page(response, 404)
    assert "Cette démarche n'existe pas dans le fichier de la commune." in response.text
