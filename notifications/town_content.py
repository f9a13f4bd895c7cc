"""The town content edited in the console: exceptional closures added, changed and removed,
procedures' answers and « vérifié le » dates edited and reverted to the town file's.

The town file stays the base; these edits live in the hub's database and are merged over
it (`effective_town`, by arobase.town.with_edits), validated by the models that validate the
file, so that a refusal reads as the file's would. Every edit is audited, and counted in a
revision that the actions compare (`content_revision`) to pick it up within seconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from arobase.errors import TownContentError
from arobase.replies import procedure_answer
from arobase.town import (
    Closure,
    Procedure,
    Town,
    console_closure,
    console_procedure,
    with_edits,
)
from notifications.errors import InvalidInput, NotFound
from notifications.hub import Hub
from notifications.store import town_edits as store
from notifications.store.staff import AuditEntry
from notifications.store.town_edits import ClosureEdit, ProcedureEdit, TownEdits

REASON_MAX = 300  # characters: the reason is said by the assistant
HOURS_MAX = 100
ANSWER_MAX = 3000  # a procedure's answer, with room for its documents in one chat message
YEARS_BACK, YEARS_AHEAD = 1, 5  # the years a closure may fall in, around the current one
# Time spans only ("08:30-12:00, 14:00-17:00"): any other opening_hours rule would apply
# beyond the closure's days once it is joined to their date selector.
SPANS = re.compile(r"\d\d:\d\d-\d\d:\d\d(\s*,\s*\d\d:\d\d-\d\d:\d\d)*")
FUTURE_CHECK = "la date de vérification ne peut pas être après aujourd'hui"
NO_PROCEDURE = "Cette démarche n'existe pas dans le fichier de la commune."
FIELD_LABELS = {
    "date": "Date",
    "until": "Jusqu'au",
    "services": "Services",
    "hours": "Horaires",
    "reason": "Motif",
    "answer": "Réponse",
    "checked": "Vérifié le",
    "questions": "Questions",  # of a staff-written answer (notifications/questions.py)
}


class ContentAction(StrEnum):
    """What the audit records of the town content (in French: staff read it)."""

    CLOSURE_ADDED = "fermeture ajoutée"
    CLOSURE_CHANGED = "fermeture modifiée"
    CLOSURE_REMOVED = "fermeture supprimée"
    PROCEDURE_EDITED = "démarche modifiée"
    PROCEDURE_REVERTED = "démarche rétablie"


class ContentRefused(InvalidInput):
    """An edit refused, about one form FIELD (date, until, services, hours, reason, answer,
    checked); the message names the field, then the reason the file's check gives."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{FIELD_LABELS.get(field, field)} : {reason}")
        self.field = field


@dataclass(frozen=True)
class ClosureInput:
    """A closure as a person types it: dates AAAA-MM-JJ, UNTIL and HOURS empty for none,
    SERVICES None for every service."""

    date: str
    reason: str
    until: str = ""
    services: tuple[str, ...] | None = None
    hours: str = ""


@dataclass(frozen=True)
class ProcedureInput:
    """A procedure's answer and « vérifié le » date (AAAA-MM-JJ) as typed."""

    answer: str
    checked: str


def _note(hub: Hub, actor: str, action: ContentAction, detail: str) -> AuditEntry:
    return AuditEntry(hub.now(), actor, action, detail)


def _today(hub: Hub) -> date:
    return hub.now().astimezone(hub.zone).date()


def closure_summary(town: Town, closure: Closure) -> str:
    """CLOSURE in a few words, for the audit log: days, services, hours, reason."""
    days = f"{closure.start:%d/%m/%Y}"
    if closure.end is not None:
        days += f" au {closure.end:%d/%m/%Y}"
    if closure.services is None:
        services = "tous les services"
    else:
        services = ", ".join(town.services[key].name for key in closure.services)
    hours = f"ouvert {closure.hours}" if closure.hours else "fermé"
    return f"{days} ({services}, {hours}) : {closure.reason}"


def _bounded(typed: ClosureInput) -> dict[str, object]:
    """TYPED as the file's keys, after the console's own bounds."""
    reason, hours = typed.reason.strip(), typed.hours.strip()
    if len(reason) > REASON_MAX:
        raise ContentRefused("reason", f"{REASON_MAX} caractères au plus")
    if len(hours) > HOURS_MAX or (hours and not SPANS.fullmatch(hours)):
        raise ContentRefused(
            "hours", "horaires attendus sous la forme 08:30-12:00 (ou 08:30-12:00, 14:00-17:00)"
        )
    if typed.services is not None and not typed.services:
        raise ContentRefused("services", "cochez au moins un service, ou « tous les services »")
    return {
        "date": typed.date.strip(),
        "until": typed.until.strip() or None,
        "services": list(dict.fromkeys(typed.services)) if typed.services is not None else None,
        "hours": hours or None,
        "reason": reason,
    }


def checked_closure(hub: Hub, typed: ClosureInput) -> Closure:
    """TYPED validated as the town file's closures are; ContentRefused names the field."""
    try:
        closure = console_closure(hub.town, _bounded(typed))
    except TownContentError as error:
        raise ContentRefused(error.key, error.reason) from error
    year = _today(hub).year
    first, last = year - YEARS_BACK, year + YEARS_AHEAD
    for field, day in (("date", closure.start), ("until", closure.last_day)):
        if not first <= day.year <= last:
            raise ContentRefused(field, f"une date entre {first} et {last} est attendue")
    return closure


# --- reading ---------------------------------------------------------------------------------


def town_edits(hub: Hub) -> TownEdits:
    """Every edit made in the console, with their revision."""
    return store.edits(hub.db)


def content_revision(hub: Hub) -> int:
    """The edits' revision (one cheap query): it grows with every edit."""
    return store.revision(hub.db)


def effective_town(hub: Hub, edits: TownEdits | None = None) -> Town:
    """The town the assistant answers with: the file's (hub.town) with the console's EDITS
    (read now unless given). TownContentError when they no longer fit the file (a service
    or a procedure removed from it since)."""
    edits = edits if edits is not None else town_edits(hub)
    closures = [edit.closure for edit in edits.closures]
    return with_edits(hub.town, closures, edits.procedures, answers=edits.answers)


def closure_edit(hub: Hub, closure_id: int) -> ClosureEdit:
    """One closure added in the console; NotFound when there is none."""
    return store.closure(hub.db, closure_id)


# --- closures --------------------------------------------------------------------------------


def add_closure(hub: Hub, typed: ClosureInput, *, actor: str) -> ClosureEdit:
    """A new closure (or special hours); ContentRefused when the file's check refuses it."""
    closure = checked_closure(hub, typed)
    note = _note(hub, actor, ContentAction.CLOSURE_ADDED, closure_summary(hub.town, closure))
    return store.add_closure(hub.db, closure, note)


def update_closure(hub: Hub, closure_id: int, typed: ClosureInput, *, actor: str) -> ClosureEdit:
    """The closure CLOSURE_ID replaced by TYPED; ContentRefused, or NotFound when it is gone."""
    closure = checked_closure(hub, typed)
    detail = f"n° {closure_id} : {closure_summary(hub.town, closure)}"
    note = _note(hub, actor, ContentAction.CLOSURE_CHANGED, detail)
    return store.update_closure(hub.db, closure_id, closure, note)


def remove_closure(hub: Hub, closure_id: int, *, actor: str) -> ClosureEdit:
    """The closure CLOSURE_ID removed (what it was); NotFound when it is gone already."""
    edit = store.closure(hub.db, closure_id)
    detail = f"n° {closure_id} : {closure_summary(hub.town, edit.closure)}"
    note = _note(hub, actor, ContentAction.CLOSURE_REMOVED, detail)
    return store.remove_closure(hub.db, closure_id, note)


# --- procedures ------------------------------------------------------------------------------


def _known(hub: Hub, key: str) -> str:
    if key not in hub.town.procedures:
        raise NotFound(NO_PROCEDURE)
    return key


def checked_procedure(hub: Hub, key: str, typed: ProcedureInput) -> Procedure:
    """The procedure KEY with TYPED, validated as the file's are; ContentRefused when the
    file's check refuses it or the date is after today; NotFound for a KEY the file lacks."""
    _known(hub, key)
    if len(typed.answer) > ANSWER_MAX:
        raise ContentRefused("answer", f"{ANSWER_MAX} caractères au plus")
    try:
        procedure = console_procedure(hub.town, key, typed)
    except TownContentError as error:
        raise ContentRefused(error.key, error.reason) from error
    if procedure.checked > _today(hub):
        raise ContentRefused("checked", FUTURE_CHECK)
    return procedure


def procedure_preview(hub: Hub, key: str, typed: ProcedureInput) -> str:
    """What the assistant would answer with TYPED (after the procedure's title), the other
    edits included; refused as `edit_procedure` would refuse it."""
    procedure = checked_procedure(hub, key, typed)
    return procedure_answer(effective_town(hub), procedure, hub.now()).text


def edit_procedure(hub: Hub, key: str, typed: ProcedureInput, *, actor: str) -> ProcedureEdit:
    """The procedure KEY's answer and « vérifié le » date, over the file's (checked by
    `checked_procedure`)."""
    procedure = checked_procedure(hub, key, typed)
    detail = f"{procedure.title}, vérifiée le {procedure.checked:%d/%m/%Y}"
    note = _note(hub, actor, ContentAction.PROCEDURE_EDITED, detail)
    return store.set_procedure(hub.db, key, procedure.answer, procedure.checked, note)


def revert_procedure(hub: Hub, key: str, *, actor: str) -> bool:
    """The file's text of procedure KEY used again; whether the console had changed it."""
    title = hub.town.procedures[_known(hub, key)].title
    note = _note(hub, actor, ContentAction.PROCEDURE_REVERTED, f"{title} : texte du fichier")
    return store.revert_procedure(hub.db, key, note)
