"""The town content edited in the console, in the database: closures added there, procedures'
answers and « vérifié le » dates changed there, and the revision that counts the edits.

Each writing function is one transaction that also bumps the revision and writes the staff
member's audit entry: no edit without its trace, and no edit the actions could miss.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from arobase.town import Closure, StaffAnswer
from notifications.errors import NotFound
from notifications.store.console_tables import (
    StaffAuditRow,
    TownClosureRow,
    TownProcedureRow,
    TownRevisionRow,
)
from notifications.store.database import Database
from notifications.store.question_tables import TownAnswerRow
from notifications.store.staff import DETAIL_MAX, AuditEntry

REVISION_ID = 1  # the one row of town_revision (migration 0005)
NO_CLOSURE = "Cette fermeture n'existe pas (ou plus)."


@dataclass(frozen=True)
class ClosureEdit:
    """An exceptional closure added in the console (migration 0005), who added and last
    changed it; CLOSURE is the town file's model (arobase.town.Closure)."""

    id: int
    closure: Closure
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class ProcedureEdit:
    """A procedure's answer and « vérifié le » date as edited in the console, over the file's."""

    key: str
    answer: str
    checked: date
    edited_by: str
    edited_at: datetime


@dataclass(frozen=True)
class TownEdits:
    """Every edit of the town content made in the console, at REVISION."""

    revision: int
    closures: tuple[ClosureEdit, ...]  # by first day, then as added
    procedures: Mapping[str, ProcedureEdit]  # by procedure key
    answers: Mapping[str, AnswerEdit] = field(default_factory=dict)  # by key, as written


@dataclass(frozen=True)
class AnswerEdit:
    """An answer staff wrote in the console (issue 11), merged into the town's `answers`."""

    key: str
    questions: tuple[str, ...]
    answer: str
    checked: date
    edited_by: str
    edited_at: datetime


def _closure_edit(row: TownClosureRow) -> ClosureEdit:
    closure = Closure.model_validate(
        {
            "date": row.day,
            "until": row.until,
            "services": row.services,
            "hours": row.hours,
            "reason": row.reason,
        }
    )
    return ClosureEdit(
        id=row.id,
        closure=closure,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


def _procedure_edit(row: TownProcedureRow) -> ProcedureEdit:
    return ProcedureEdit(row.key, row.answer, row.checked, row.edited_by, row.edited_at)


def _answer_edit(row: TownAnswerRow) -> AnswerEdit:
    questions = tuple(row.questions)
    return AnswerEdit(row.key, questions, row.answer, row.checked, row.edited_by, row.edited_at)


def _changed(session: Session, note: AuditEntry) -> None:
    """One more revision, and the audit entry, in the edit's transaction."""
    bumped = session.execute(
        update(TownRevisionRow)
        .where(TownRevisionRow.id == REVISION_ID)
        .values(revision=TownRevisionRow.revision + 1)
    )
    if bumped.rowcount == 0:  # a database whose row was lost: start counting again
        session.add(TownRevisionRow(id=REVISION_ID, revision=1))
    session.add(StaffAuditRow(**{**asdict(note), "detail": note.detail[:DETAIL_MAX]}))


def _set(row: TownClosureRow, closure: Closure, actor: str, at: datetime) -> None:
    row.day, row.until, row.services = closure.start, closure.end, closure.services
    row.hours, row.reason = closure.hours, closure.reason
    row.updated_by, row.updated_at = actor, at


def _closure_row(session: Session, closure_id: int) -> TownClosureRow:
    row = session.get(TownClosureRow, closure_id, with_for_update=True)
    if row is None:
        raise NotFound(NO_CLOSURE)
    return row


# --- reading ---------------------------------------------------------------------------------


def revision(db: Database) -> int:
    """The edits' revision: one cheap query, for the actions' refresh."""
    with db.reading() as session:
        found = session.scalar(
            select(TownRevisionRow.revision).where(TownRevisionRow.id == REVISION_ID)
        )
        return found or 0


def edits(db: Database) -> TownEdits:
    """Every edit, and the revision they make, read in one transaction."""
    with db.reading() as session:
        number = session.scalar(
            select(TownRevisionRow.revision).where(TownRevisionRow.id == REVISION_ID)
        )
        closures = session.scalars(
            select(TownClosureRow).order_by(TownClosureRow.day, TownClosureRow.id)
        ).all()
        procedures = session.scalars(select(TownProcedureRow)).all()
        answers = session.scalars(
            select(TownAnswerRow).order_by(TownAnswerRow.edited_at, TownAnswerRow.key)
        ).all()
        return TownEdits(
            revision=number or 0,
            closures=tuple(_closure_edit(row) for row in closures),
            procedures={row.key: _procedure_edit(row) for row in procedures},
            answers={row.key: _answer_edit(row) for row in answers},
        )


def closure(db: Database, closure_id: int) -> ClosureEdit:
    """One closure added in the console; NotFound when there is none."""
    with db.reading() as session:
        row = session.get(TownClosureRow, closure_id)
        if row is None:
            raise NotFound(NO_CLOSURE)
        return _closure_edit(row)


# --- writing ---------------------------------------------------------------------------------


def add_closure(db: Database, closure: Closure, note: AuditEntry) -> ClosureEdit:
    """Store CLOSURE, added by NOTE's actor at NOTE's time."""
    with db.session() as session:
        row = TownClosureRow(created_by=note.actor, created_at=note.at)
        _set(row, closure, note.actor, note.at)
        session.add(row)
        session.flush()
        _changed(session, note)
        return _closure_edit(row)


def update_closure(
    db: Database, closure_id: int, closure: Closure, note: AuditEntry
) -> ClosureEdit:
    """Replace the closure CLOSURE_ID by CLOSURE; NotFound when it is gone."""
    with db.session() as session:
        row = _closure_row(session, closure_id)
        _set(row, closure, note.actor, note.at)
        session.flush()
        _changed(session, note)
        return _closure_edit(row)


def remove_closure(db: Database, closure_id: int, note: AuditEntry) -> ClosureEdit:
    """Delete the closure CLOSURE_ID; what it was. NotFound when it is gone already."""
    with db.session() as session:
        row = _closure_row(session, closure_id)
        removed = _closure_edit(row)
        session.delete(row)
        _changed(session, note)
        return removed


def set_procedure(
    db: Database, key: str, answer: str, checked: date, note: AuditEntry
) -> ProcedureEdit:
    """The procedure KEY's answer and checked date, over the file's."""
    with db.session() as session:
        row = session.get(TownProcedureRow, key, with_for_update=True)
        if row is None:
            row = TownProcedureRow(key=key)
            session.add(row)
        row.answer, row.checked = answer, checked
        row.edited_by, row.edited_at = note.actor, note.at
        session.flush()
        _changed(session, note)
        return _procedure_edit(row)


def _forget(
    db: Database, table: type[TownProcedureRow | TownAnswerRow], key: str, note: AuditEntry
) -> bool:
    """Delete TABLE's row KEY; whether there was one (nothing is written, nor audited, when
    there was none)."""
    with db.session() as session:
        deleted = session.execute(delete(table).where(table.key == key))
        if deleted.rowcount == 0:
            return False
        _changed(session, note)
        return True


def revert_procedure(db: Database, key: str, note: AuditEntry) -> bool:
    """Forget the console's edit of procedure KEY (the file's text is used again); whether
    there was one."""
    return _forget(db, TownProcedureRow, key, note)


def set_answer(
    db: Database,
    answer: StaffAnswer,
    note: AuditEntry,
    also: Callable[[Session], object] | None = None,
) -> AnswerEdit:
    """The staff-written ANSWER added; ALSO: more writes in the same transaction (the
    questions it answers marked so). StorageConflict when its key is taken (by an answer
    written at the same moment): never replaced unseen."""
    written = TownAnswerRow(
        key=answer.key,
        questions=list(answer.questions),
        answer=answer.answer,
        checked=answer.checked,
        edited_by=note.actor,
        edited_at=note.at,
    )
    with db.session() as session:
        session.add(written)
        if also is not None:
            also(session)
        session.flush()
        _changed(session, note)
        return _answer_edit(written)


def remove_answer(db: Database, key: str, note: AuditEntry) -> bool:
    """Delete the staff-written answer KEY; whether there was one."""
    return _forget(db, TownAnswerRow, key, note)
