"""The town content edited in the console: the pure merge over the file, refusals in the
file's own words, the use cases on the hub's database (SQLite and PostgreSQL), and the
actions' runtime picking an edit up within `content_refresh` seconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import yaml

from actions.context import Runtime
from arobase.errors import TownContentError
from arobase.hours import calendar_for
from arobase.town import Town, console_closure, load_town, parse_town, with_edits
from notifications.errors import NotFound
from notifications.hub import Hub
from notifications.staff import audit_entries
from notifications.town_content import (
    ClosureInput,
    ContentRefused,
    ProcedureInput,
    add_closure,
    content_revision,
    edit_procedure,
    effective_town,
    remove_closure,
    revert_procedure,
    town_edits,
    update_closure,
)
from tests.hub_support import TOWN_FILE, FakeClock, hub_settings, migrated_sqlite

EDITOR = "com@trilport.example"
CHRISTMAS_EVE = date(2026, 12, 24)


@dataclass(frozen=True)
class Change:
    answer: str
    checked: date | str


@pytest.fixture(scope="module")
def town() -> Town:
    return load_town(TOWN_FILE)


def closure(town: Town, **fields: object):
    return console_closure(town, {"date": "2026-12-09", "reason": "Inventaire"} | fields)


# --- The pure merge ----------------------------------------------------------------------------


def test_no_edit_gives_the_files_town(town: Town):
    assert with_edits(town, [], {}) == town


def test_console_closures_come_after_the_files_and_win_on_a_shared_day(town: Town):
    eve = closure(town, date="2026-12-24", services=["mairie"], hours="08:30-10:00",
                  reason="Inventaire de fin d'année")  # fmt: skip

    merged = with_edits(town, [eve], {})

    assert merged.closures == [*town.closures, eve]
    day = calendar_for(merged, "mairie").day(CHRISTMAS_EVE)
    assert [(s.start.hour, s.start.minute, s.end.hour) for s in day.spans] == [(8, 30, 10)]
    before = calendar_for(town, "mairie").day(CHRISTMAS_EVE)
    assert [(s.start.hour, s.end.hour) for s in before.spans] == [(8, 12)]


def test_a_procedure_edit_replaces_its_answer_and_date_only(town: Town):
    merged = with_edits(town, [], {"passeport": Change("Nouveau texte.", date(2026, 11, 20))})

    edited, original = merged.procedures["passeport"], town.procedures["passeport"]
    assert (edited.answer, edited.checked) == ("Nouveau texte.", date(2026, 11, 20))
    assert (edited.title, edited.documents, edited.links) == (
        original.title,
        original.documents,
        original.links,
    )
    assert merged.procedures["carte_identite"] == town.procedures["carte_identite"]


def test_an_edit_of_a_procedure_the_file_no_longer_has_is_ignored(town: Town):
    assert with_edits(town, [], {"permis_bateau": Change("x", date(2026, 1, 1))}) == town


def test_a_console_closure_on_a_service_the_file_lost_is_refused_by_name(town: Town):
    library = closure(town, services=["mediatheque"])
    smaller = town.model_copy(
        update={"services": {k: v for k, v in town.services.items() if k != "mediatheque"},
                "closures": []}
    )  # fmt: skip

    with pytest.raises(TownContentError) as caught:
        with_edits(smaller, [library], {})

    error = caught.value
    assert (error.key, error.reason) == ("closures.0.services", "service inconnu « mediatheque »")


# --- The file's words ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reason": "   "}, "reason"),
        ({"date": "2026-02-30"}, "date"),
        ({"until": "2026-12-01"}, "until"),
        ({"hours": "8h-12h"}, "hours"),
        ({"services": ["piscine"]}, "services"),
        ({"services": ["Mairie"]}, "services"),
    ],
)
def test_a_refused_closure_reads_as_the_files_own_error(town: Town, fields: dict, field: str):
    """The same closure written in the town file gives the same reason."""
    entry = {"date": "2026-12-09", "reason": "Inventaire"} | fields
    raw = yaml.safe_load(TOWN_FILE.read_text(encoding="utf-8"))
    raw["closures"] = [entry]
    with pytest.raises(TownContentError) as in_file:
        parse_town(yaml.safe_dump(raw, allow_unicode=True), "trilport.yml")

    with pytest.raises(TownContentError) as in_console:
        console_closure(town, entry)

    assert in_console.value.key == field
    assert in_console.value.reason == in_file.value.reason
    assert in_file.value.key.startswith("closures.0")


# --- The use cases on the hub's database ----------------------------------------------------------


def typed(**changes: object) -> ClosureInput:
    values: dict = {"date": "2026-12-09", "reason": "Inventaire", "services": ("mediatheque",)}
    return ClosureInput(**(values | changes))


def test_adding_a_closure_stores_audits_and_counts_it(hub: Hub):
    before = content_revision(hub)

    added = add_closure(hub, typed(until="2026-12-10", hours="14:00-17:00"), actor=EDITOR)

    assert content_revision(hub) == before + 1
    edits = town_edits(hub)
    assert edits.revision == before + 1
    assert edits.closures == (added,)
    assert (added.closure.start, added.closure.end) == (date(2026, 12, 9), date(2026, 12, 10))
    assert (added.closure.services, added.closure.hours) == (["mediatheque"], "14:00-17:00")
    assert (added.created_by, added.created_at, added.updated_at) == (EDITOR, hub.now(), hub.now())
    assert effective_town(hub).closures[-1] == added.closure
    (entry, *_) = audit_entries(hub)
    assert (entry.actor, entry.action) == (EDITOR, "fermeture ajoutée")
    assert entry.detail == (
        "09/12/2026 au 10/12/2026 (Médiathèque municipale, ouvert 14:00-17:00) : Inventaire"
    )


def test_every_service_is_stored_as_none(hub: Hub):
    added = add_closure(hub, typed(services=None), actor=EDITOR)

    assert town_edits(hub).closures[0].closure.services is None
    assert added.closure.covers("cimetiere", date(2026, 12, 9))


def test_changing_then_removing_a_closure(hub: Hub, clock: FakeClock):
    added = add_closure(hub, typed(), actor=EDITOR)
    clock.advance(60)

    changed = update_closure(hub, added.id, typed(reason="Inventaire annuel"), actor="a@b.example")
    assert (changed.closure.reason, changed.updated_by) == ("Inventaire annuel", "a@b.example")
    assert (changed.created_at, changed.updated_at) == (added.created_at, hub.now())
    removed = remove_closure(hub, added.id, actor=EDITOR)

    assert removed.closure == changed.closure
    assert town_edits(hub).closures == ()
    assert content_revision(hub) == 3
    actions = [entry.action for entry in audit_entries(hub)]
    assert actions[:3] == ["fermeture supprimée", "fermeture modifiée", "fermeture ajoutée"]
    with pytest.raises(NotFound):
        remove_closure(hub, added.id, actor=EDITOR)
    with pytest.raises(NotFound):
        update_closure(hub, added.id, typed(), actor=EDITOR)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": ""}, "Motif : texte vide"),
        ({"reason": "x" * 301}, "Motif : 300 caractères au plus"),
        ({"date": "le 9"}, "Date : date invalide (AAAA-MM-JJ attendu)"),
        ({"until": "2026-12-01"},
         "Jusqu'au : « until » (2026-12-01) est avant « date » (2026-12-09)"),
        ({"hours": "Sa off"}, "Horaires : horaires attendus sous la forme 08:30-12:00 "
                              "(ou 08:30-12:00, 14:00-17:00)"),
        ({"hours": "08:30-12:00, 14:00-99:00"}, "Horaires : syntaxe opening_hours invalide"),
        ({"services": ()}, "Services : cochez au moins un service, ou « tous les services »"),
        ({"services": ("piscine",)}, "Services : service inconnu « piscine »"),
        ({"date": "2040-01-01"}, "Date : une date entre 2025 et 2031 est attendue"),
        ({"until": "2099-01-01"}, "Jusqu'au : une date entre 2025 et 2031 est attendue"),
    ],
)  # fmt: skip
def test_a_refused_closure_names_its_field_and_stores_nothing(
    hub: Hub, changes: dict, message: str
):
    with pytest.raises(ContentRefused) as caught:
        add_closure(hub, typed(**changes), actor=EDITOR)

    assert str(caught.value).startswith(message)
    assert caught.value.field in ("reason", "date", "until", "hours", "services")
    assert town_edits(hub).closures == ()
    assert content_revision(hub) == 0


def test_editing_then_reverting_a_procedure(hub: Hub, town: Town):
    edited = edit_procedure(
        hub, "passeport", ProcedureInput("  Nouveau texte.  ", "2026-11-20"), actor=EDITOR
    )

    assert (edited.answer, edited.checked, edited.edited_by) == (
        "Nouveau texte.",
        date(2026, 11, 20),
        EDITOR,
    )
    assert effective_town(hub).procedures["passeport"].answer == "Nouveau texte."
    assert audit_entries(hub)[0].detail == "Passeport, vérifiée le 20/11/2026"
    assert revert_procedure(hub, "passeport", actor=EDITOR) is True
    assert effective_town(hub).procedures["passeport"] == town.procedures["passeport"]
    assert revert_procedure(hub, "passeport", actor=EDITOR) is False
    assert content_revision(hub) == 2
    assert [e.action for e in audit_entries(hub)][:2] == ["démarche rétablie", "démarche modifiée"]


@pytest.mark.parametrize(
    ("answer", "checked", "message"),
    [
        ("", "2026-11-20", "Réponse : texte vide"),
        ("x" * 3001, "2026-11-20", "Réponse : 3000 caractères au plus"),
        ("Texte", "20/11/2026", "Vérifié le : date invalide (AAAA-MM-JJ attendu)"),
        ("Texte", "2026-11-26", "Vérifié le : la date de vérification ne peut pas être après"),
    ],
)
def test_a_refused_procedure_edit_says_why(hub: Hub, answer: str, checked: str, message: str):
    with pytest.raises(ContentRefused) as caught:
        edit_procedure(hub, "passeport", ProcedureInput(answer, checked), actor=EDITOR)

    assert str(caught.value).startswith(message)
    assert town_edits(hub).procedures == {}


def test_an_unknown_procedure_is_not_found(hub: Hub):
    with pytest.raises(NotFound):
        edit_procedure(hub, "permis_bateau", ProcedureInput("x", "2026-11-20"), actor=EDITOR)


# --- The actions' runtime -------------------------------------------------------------------------


@dataclass
class Ticks:
    """A monotonic clock that moves only when told to."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_runtime_merges_an_edit_within_content_refresh(hub: Hub):
    ticks = Ticks()
    settings = hub_settings(hub.settings.database_url, content_refresh=5)
    runtime = Runtime(settings, monotonic=ticks)
    try:
        first = runtime.town()
        assert first.closures == hub.town.closures
        added = add_closure(hub, typed(), actor=EDITOR)

        ticks.now += 4.9
        assert runtime.town() is first  # not asked again yet
        ticks.now += 0.2
        assert runtime.town().closures[-1] == added.closure
        merged = runtime.town()
        ticks.now += 10
        assert runtime.town() is merged  # same revision: nothing read again
        assert runtime.hub().town is not merged  # the hub keeps the file's content
    finally:
        runtime.close()


def test_without_a_database_the_runtime_answers_with_the_file(tmp_path: Path):
    settings = hub_settings(f"sqlite:///{tmp_path / 'absent.db'}")
    runtime = Runtime(settings)

    assert runtime.town() == load_town(TOWN_FILE)
    assert not (tmp_path / "absent.db").exists()  # never created here


def test_edits_that_no_longer_fit_the_file_are_set_aside(tmp_path: Path, town: Town):
    database = migrated_sqlite(tmp_path / "hub.db")
    runtime = Runtime(hub_settings(database))
    try:
        add_closure(runtime.hub(), typed(), actor=EDITOR)
        smaller = yaml.safe_load(TOWN_FILE.read_text(encoding="utf-8"))
        del smaller["services"]["mediatheque"]
        smaller["closures"] = []
        for procedure in smaller["procedures"].values():
            if procedure.get("where") == "mediatheque":
                procedure["where"] = None
        edited = tmp_path / "town.yml"
        edited.write_text(yaml.safe_dump(smaller, allow_unicode=True), encoding="utf-8")
        runtime.settings = hub_settings(database, town_file=edited)

        assert runtime.town().closures == []  # the file alone, still answering
    finally:
        runtime.close()
