"""An announcement's life cycle, decided purely: which step each person may take on a message
in each status, and where publishing leads (at once, or awaiting a second person's approval).

    draft ──publish──> scheduled ──(its time: the worker)──> sent
      ^  └─publish (two-person rule)─> awaiting ──approve──> scheduled
      └──────── unschedule / send back ────────┘

A released message is never edited: only its deliveries still to make may be cancelled, and
its failed ones tried again. Roles are their stored strings here ("admin", "editor", "agent"):
a decider needs nothing but the standard library and the hub's records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from notifications.records import MessageInfo, MessageKind, MessageStatus

ADMIN, EDITOR = "admin", "editor"
WRITERS = frozenset({ADMIN, EDITOR})
DRAFT, AWAITING = MessageStatus.DRAFT, MessageStatus.AWAITING
SCHEDULED, SENT = MessageStatus.SCHEDULED, MessageStatus.SENT
# Not yet released: its text and time may still change.
OPEN = (DRAFT, AWAITING, SCHEDULED)
STAFF_KIND = MessageKind.STAFF


class Step(StrEnum):
    EDIT = "edit"  # change the text or the time (then save as draft, or publish)
    UNSCHEDULE = "unschedule"  # back to draft
    APPROVE = "approve"
    SEND_BACK = "send_back"  # back to draft, with a reviewer's comment
    RETRY = "retry"  # failed deliveries back to pending


@dataclass(frozen=True)
class Announcement:
    """A staff message with its workflow: who wrote, changed and approved it (migration 0004)."""

    message: MessageInfo
    created_by: str | None
    edited_by: str | None  # the last person who changed its text or time
    approved_by: str | None
    bypass_reason: str | None  # why an urgent one went without approval
    review_note: str | None  # why a reviewer sent it back to draft
    immediate: bool  # goes as soon as published or approved, not at scheduled_at
    revision: int  # one more at each change: an approval or an edit names the one it saw
    updated_at: datetime | None


@dataclass(frozen=True)
class Standing:
    """A message as the rules see it."""

    kind: str
    status: str
    released: bool
    writers: frozenset[str]  # who wrote or last changed it (staff e-mails)


@dataclass(frozen=True)
class Refusal:
    """Why a step is refused: FORBIDDEN for this person (403), else for this state (409)."""

    reason: str
    forbidden: bool = False


NOT_A_WRITER = Refusal("Votre compte ne permet pas de modifier les annonces.", forbidden=True)
NOT_AN_ANNOUNCEMENT = Refusal("Seules les annonces écrites par l'équipe peuvent être modifiées.")
RELEASED = Refusal(
    "Ce message est déjà parti : il ne peut plus être modifié. Vous pouvez seulement annuler "
    "les envois qui restent à faire."
)
CLOSED = Refusal("Ce message est annulé : il ne peut plus être modifié.")
ALREADY_DRAFT = Refusal("Ce message est déjà un brouillon.")
NOT_AWAITING = Refusal("Ce message n'attend pas de validation.")
OWN_MESSAGE = Refusal(
    "Vous ne pouvez pas valider ni renvoyer une annonce que vous avez écrite ou modifiée : "
    "demandez-le à un autre éditeur ou à un administrateur.",
    forbidden=True,
)
NOT_SENT = Refusal("Ce message n'est pas parti : il n'a aucun envoi à reprendre.")
REASON_MAX = 500  # characters of a bypass reason (the form's maxlength)
BYPASS_NOT_URGENT = (
    "seule une alerte urgente peut partir sans validation : cochez « Alerte urgente » ou "
    "laissez le motif vide"
)


def refusal(step: Step, message: Standing, actor: str, role: str) -> Refusal | None:
    """Why ACTOR (of ROLE) may not take STEP on MESSAGE; None when they may."""
    if role not in WRITERS:
        return NOT_A_WRITER
    if step is Step.RETRY:
        return None if message.status == SENT else NOT_SENT
    if message.kind != STAFF_KIND:
        return NOT_AN_ANNOUNCEMENT
    if message.released or message.status == SENT:
        return RELEASED
    if message.status not in OPEN:
        return CLOSED
    if step is Step.UNSCHEDULE and message.status == DRAFT:
        return ALREADY_DRAFT
    if step in (Step.APPROVE, Step.SEND_BACK):
        if message.status != AWAITING:
            return NOT_AWAITING
        if actor in message.writers:
            return OWN_MESSAGE
    return None


def submitted_status(role: str, approval_required: bool, bypass: bool) -> str:
    """Where publishing leads: awaiting approval under the two-person rule for an editor,
    unless an urgent message bypasses it; scheduled otherwise (an admin's at once: the admin
    is the person who would approve it)."""
    if approval_required and role != ADMIN and not bypass:
        return AWAITING
    return SCHEDULED


def bypass_problem(urgent: bool, reason: str) -> str | None:
    """Why a bypass REASON cannot be taken (French), None when it can or none is asked."""
    if reason and not urgent:
        return BYPASS_NOT_URGENT
    if len(reason) > REASON_MAX:
        return f"le motif d'un envoi sans validation dépasse {REASON_MAX} caractères"
    return None
