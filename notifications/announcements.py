"""An announcement's life cycle: saved as a draft, changed until it is released, published
(scheduled, or awaiting a second person's approval under the two-person rule), approved or
sent back; and a released one's failed deliveries tried again. Who may take which step:
notifications/decide/announcements.py; each step is audited in the transaction that makes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from arobase.hours_text import counted
from notifications.areas import check_areas
from notifications.decide.announcements import (
    Announcement,
    Standing,
    Step,
    bypass_problem,
    refusal,
    submitted_status,
)
from notifications.decide.fanout import delivery_time
from notifications.errors import Conflict, HubError, InvalidInput
from notifications.hub import Hub
from notifications.messages import checked_text, send_time
from notifications.records import MessageDraft, MessageKind, MessageStatus, Preferences
from notifications.store import delivery_retries
from notifications.store import messages as store
from notifications.store.messages import BODY_MAX, Writing
from notifications.store.staff import AuditEntry, write_audit


class NotAllowed(HubError):
    """This person may not take this step (another role, or their own message to approve)."""


@dataclass(frozen=True)
class Composed:
    """An announcement as staff typed it."""

    title: str
    body: str
    link: str | None
    topics: tuple[str, ...]
    urgent: bool = False
    at: str | None = None  # "2026-12-01 08:30", town time; None: as soon as published
    bypass_reason: str = ""  # an urgent one goes without approval, for this reason
    areas: tuple[str, ...] = ()  # the parts of the commune it is for; none: all


class Done(StrEnum):
    """What the audit records of announcements (French: staff read it; 40 characters)."""

    DRAFTED = "brouillon enregistré"
    SUBMITTED = "annonce soumise à validation"
    PUBLISHED = "annonce publiée"
    SCHEDULED = "annonce programmée"
    BYPASSED = "annonce urgente sans validation"
    UNSCHEDULED = "annonce remise en brouillon"
    APPROVED = "annonce validée"
    SENT_BACK = "annonce renvoyée en brouillon"
    RETRIED = "envois en échec relancés"


def detail_of(message_id: int, title: str, extra: str = "") -> str:
    """An audit entry's detail: "n° 3 : Rue de Meaux fermée", and EXTRA after a semicolon."""
    return f"n° {message_id} : {title}" + (f" ; {extra}" if extra else "")


def get_announcement(hub: Hub, message_id: int) -> Announcement:
    return store.announcement(hub.db, message_id)


def _standing(found: Announcement) -> Standing:
    message = found.message
    writers = frozenset(w for w in (found.created_by, found.edited_by) if w)
    return Standing(message.kind, message.status, message.released_at is not None, writers)


def allowed(hub: Hub, step: Step, message_id: int, actor: str, role: str) -> Announcement:
    """The message, once ACTOR (of ROLE) may take STEP on it: NotAllowed or Conflict else."""
    found = store.announcement(hub.db, message_id)
    refused = refusal(step, _standing(found), actor, role)
    if refused is not None:
        raise (NotAllowed if refused.forbidden else Conflict)(refused.reason)
    return found


def _action(status: str, bypassed: bool, dated: bool) -> Done:
    if status == MessageStatus.DRAFT:
        return Done.DRAFTED
    if status == MessageStatus.AWAITING:
        return Done.SUBMITTED
    if bypassed:
        return Done.BYPASSED
    return Done.SCHEDULED if dated else Done.PUBLISHED


def save_announcement(
    hub: Hub,
    composed: Composed,
    *,
    actor: str,
    role: str,
    publish: bool,
    message_id: int | None = None,
    revision: int | None = None,
) -> Announcement:
    """Store a new announcement (MESSAGE_ID None) or change one not yet released (still at
    REVISION when given): as a draft, or published — scheduled, or awaiting approval under
    the two-person rule. Refused as `announce` refuses; NotAllowed or Conflict by the rules."""
    if message_id is not None:
        allowed(hub, Step.EDIT, message_id, actor, role)
    title, body, chosen = checked_text(
        hub, composed.title, composed.body, composed.topics, composed.link
    )
    where = check_areas(hub, composed.areas)
    now, when = hub.now(), send_time(hub, composed.at)
    required = hub.settings.approval_required
    # Held: the two-person rule applies to this person; only then does a reason count.
    held = publish and submitted_status(role, required, False) == MessageStatus.AWAITING
    reason = " ".join(composed.bypass_reason.split()) if held else ""
    if problem := bypass_problem(composed.urgent, reason):
        raise InvalidInput(problem)
    status = submitted_status(role, required, bool(reason)) if publish else MessageStatus.DRAFT
    bypassed = held and status == MessageStatus.SCHEDULED
    draft = MessageDraft(
        title,
        body,
        composed.link,
        chosen,
        when,
        urgent=composed.urgent,
        kind=MessageKind.STAFF,
        areas=where,
    )
    writing = Writing(draft, status, actor, composed.at is None, reason if bypassed else None)
    action = _action(status, bypassed, composed.at is not None)
    extra = f"motif : {reason}" if bypassed else ("modifiée" if message_id else "")

    def note(number: int) -> AuditEntry:
        return AuditEntry(now, actor, action, detail_of(number, title, extra))

    return store.write(hub.db, message_id, writing, now, note, revision=revision)


def unschedule(hub: Hub, message_id: int, *, actor: str, role: str) -> Announcement:
    """A scheduled or awaiting announcement back to draft (not once released)."""
    found = allowed(hub, Step.UNSCHEDULE, message_id, actor, role)
    note = AuditEntry(
        hub.now(), actor, Done.UNSCHEDULED, detail_of(message_id, found.message.title)
    )
    return store.unschedule(hub.db, message_id, hub.now(), note)


def approve(hub: Hub, message_id: int, revision: int, *, actor: str, role: str) -> Announcement:
    """Approve an awaiting announcement written by another (as it stood at REVISION)."""
    found = allowed(hub, Step.APPROVE, message_id, actor, role)
    note = AuditEntry(hub.now(), actor, Done.APPROVED, detail_of(message_id, found.message.title))
    return store.approve(hub.db, message_id, revision, hub.now(), note)


def send_back(
    hub: Hub, message_id: int, revision: int, comment: str, *, actor: str, role: str
) -> Announcement:
    """An awaiting announcement written by another back to draft, with a COMMENT (required)."""
    comment = comment.strip()
    if not comment:
        raise InvalidInput("écrivez à son auteur ce qu'il faut changer")
    if len(comment) > BODY_MAX:
        raise InvalidInput(f"le commentaire dépasse {BODY_MAX} caractères")
    found = allowed(hub, Step.SEND_BACK, message_id, actor, role)
    detail = detail_of(message_id, found.message.title, f"commentaire : {comment}")
    note = AuditEntry(hub.now(), actor, Done.SENT_BACK, detail)
    return store.send_back(hub.db, message_id, revision, comment, hub.now(), note)


def retry_failed(hub: Hub, message_id: int, actor: str, *, role: str) -> int:
    """The failed deliveries of a released message back to pending with a fresh attempt
    budget (not those to a subscriber deactivated since); the number, audited."""
    found = allowed(hub, Step.RETRY, message_id, actor, role)
    now, zone = hub.now(), hub.town.commune.zone

    def due_at(preferences: Preferences | None, urgent: bool) -> datetime:
        return now if preferences is None else delivery_time(preferences, urgent, now, zone)[0]

    count = delivery_retries.retry_failed(hub.db, message_id, due_at)
    detail = detail_of(
        message_id, found.message.title, f"remis en attente : {counted(count, 'envoi')} en échec"
    )
    write_audit(hub.db, AuditEntry(hub.now(), actor, Done.RETRIED, detail))
    return count
