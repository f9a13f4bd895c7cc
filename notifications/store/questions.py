"""The kept questions (migration 0010): recorded by the action server, voted on by residents,
reviewed by staff, erased when their retention is over. Never who asked.

Each writing function is one transaction; staff's changes write their audit entry in it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from arobase.town import StaffAnswer
from notifications.decide.question_groups import DOUBTFUL, KeptQuestion, Outcome, Review
from notifications.errors import NotFound
from notifications.store import town_edits
from notifications.store.console_tables import StaffAuditRow
from notifications.store.database import Database
from notifications.store.question_tables import QuestionRow
from notifications.store.staff import DETAIL_MAX, AuditEntry
from notifications.store.town_edits import AnswerEdit

ANSWERED = (Outcome.ANSWERED.value, Outcome.STAFF_ANSWER.value)


def _kept(row: QuestionRow) -> KeptQuestion:
    return KeptQuestion(
        id=row.token,
        asked_at=row.created_at,
        front=row.front,
        text=row.text,
        intent=row.intent,
        procedure=row.procedure,
        confidence=row.confidence,
        outcome=Outcome(row.outcome),
        vote=row.vote,
        voted_at=row.voted_at,
        review=Review(row.review),
        label=row.label,
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
    )


def _reviewable():
    """The questions staff have to look at: not reviewed yet, and doubtful or voted 👎."""
    doubtful = QuestionRow.outcome.in_([outcome.value for outcome in DOUBTFUL])
    return and_(QuestionRow.review == Review.NEW.value, or_(doubtful, QuestionRow.vote.is_(False)))


# --- writing ---------------------------------------------------------------------------------


def add(db: Database, question: KeptQuestion) -> None:
    """Store QUESTION (StorageConflict should its token be taken: the caller draws again)."""
    with db.session() as session:
        session.add(
            QuestionRow(
                token=question.id,
                created_at=question.asked_at,
                front=question.front,
                text=question.text,
                intent=question.intent,
                procedure=question.procedure,
                confidence=question.confidence,
                outcome=question.outcome.value,
                review=question.review.value,
            )
        )


def vote(db: Database, token: str, useful: bool, at: datetime, asked_after: datetime) -> bool:
    """The vote on question TOKEN asked after ASKED_AFTER (its vote window); one UPDATE, so
    a second vote replaces the first, whatever the races. Whether such a question exists."""
    with db.session() as session:
        changed = session.execute(
            update(QuestionRow)
            .where(QuestionRow.token == token, QuestionRow.created_at > asked_after)
            .values(vote=useful, voted_at=at)
        )
        return changed.rowcount > 0


def mark(
    session: Session, tokens: Collection[str], review: Review, label: str | None, note: AuditEntry
) -> int:
    """The questions TOKENS still to review now REVIEW (and LABEL), by NOTE's actor, inside
    SESSION's transaction; how many were (another person may have done it meanwhile)."""
    changed = session.execute(
        update(QuestionRow)
        .where(QuestionRow.token.in_(list(tokens)), _reviewable())
        .values(review=review.value, label=label, reviewed_by=note.actor, reviewed_at=note.at)
        .execution_options(synchronize_session=False)
    )
    return changed.rowcount


def review(
    db: Database, tokens: Collection[str], review: Review, label: str | None, note: AuditEntry
) -> int:
    """`mark`, and NOTE in the audit log, in one transaction; nothing audited when none was
    left to review."""
    with db.session() as session:
        count = mark(session, tokens, review, label, note)
        if count:
            session.add(StaffAuditRow(**{**asdict(note), "detail": note.detail[:DETAIL_MAX]}))
        return count


def answer(
    db: Database, written: StaffAnswer, tokens: Collection[str], note: AuditEntry, gone: str
) -> AnswerEdit:
    """The staff answer WRITTEN stored, and the questions TOKENS answered by it, in one
    transaction (town_edits.set_answer's, audited there). NotFound(GONE), and nothing
    written, when none of them is left to review (another person answered them meanwhile);
    StorageConflict when WRITTEN's key was taken meanwhile."""

    def answered(session: Session) -> None:
        if not mark(session, tokens, Review.ANSWERED, None, note):
            raise NotFound(gone)

    return town_edits.set_answer(db, written, note, also=answered)


def purge(db: Database, answered_before: datetime, others_before: datetime) -> int:
    """Erase the questions answered with no 👎 asked at ANSWERED_BEFORE or before, and any
    asked at OTHERS_BEFORE or before (periods end sharp); how many."""
    answered = and_(
        QuestionRow.outcome.in_(ANSWERED),
        or_(QuestionRow.vote.is_(None), QuestionRow.vote.is_(True)),
        QuestionRow.created_at <= answered_before,
    )
    with db.session() as session:
        erased = session.execute(
            delete(QuestionRow).where(or_(answered, QuestionRow.created_at <= others_before))
        )
        return erased.rowcount


# --- reading ---------------------------------------------------------------------------------


def question(db: Database, token: str) -> KeptQuestion | None:
    with db.reading() as session:
        row = session.scalars(select(QuestionRow).where(QuestionRow.token == token)).first()
        return _kept(row) if row is not None else None


def to_review(db: Database, limit: int) -> list[KeptQuestion]:
    """The LIMIT newest questions staff have to look at."""
    with db.reading() as session:
        rows = session.scalars(
            select(QuestionRow)
            .where(_reviewable())
            .order_by(QuestionRow.created_at.desc(), QuestionRow.id.desc())
            .limit(limit)
        ).all()
        return [_kept(row) for row in rows]


def count_to_review(db: Database) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).where(_reviewable())) or 0


def for_training(db: Database) -> list[tuple[str, str]]:
    """(label, text) of the questions marked for the training, by label then as asked."""
    with db.reading() as session:
        rows = session.execute(
            select(QuestionRow.label, QuestionRow.text)
            .where(QuestionRow.review == Review.TRAINING.value, QuestionRow.label.is_not(None))
            .order_by(QuestionRow.label, QuestionRow.created_at, QuestionRow.id)
        ).all()
        return [(label, text) for label, text in rows]
