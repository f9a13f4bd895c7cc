"""An announcement's life cycle, decided purely: each step for each role and status."""

from __future__ import annotations

import pytest

from notifications.decide.announcements import (
    ALREADY_DRAFT,
    BYPASS_NOT_URGENT,
    CLOSED,
    NOT_A_WRITER,
    NOT_AN_ANNOUNCEMENT,
    NOT_AWAITING,
    NOT_SENT,
    OWN_MESSAGE,
    RELEASED,
    Refusal,
    Standing,
    Step,
    bypass_problem,
    refusal,
    submitted_status,
)

AUTHOR, OTHER = "com@trilport.example", "secretaire@trilport.example"


def standing(status: str, *, kind: str = "staff", released: bool = False) -> Standing:
    return Standing(kind, status, released, frozenset({AUTHOR}))


@pytest.mark.parametrize(
    ("step", "message", "actor", "role", "expected"),
    [
        # Editing: any writer, while the message is not released.
        (Step.EDIT, standing("draft"), AUTHOR, "editor", None),
        (Step.EDIT, standing("awaiting"), OTHER, "editor", None),
        (Step.EDIT, standing("scheduled"), OTHER, "admin", None),
        (Step.EDIT, standing("scheduled", released=True), AUTHOR, "editor", RELEASED),
        (Step.EDIT, standing("sent", released=True), AUTHOR, "admin", RELEASED),
        (Step.EDIT, standing("cancelled"), AUTHOR, "editor", CLOSED),
        (Step.EDIT, standing("scheduled", kind="item"), AUTHOR, "admin", NOT_AN_ANNOUNCEMENT),
        (Step.EDIT, standing("draft"), AUTHOR, "agent", NOT_A_WRITER),
        # Unscheduling: scheduled or awaiting, back to draft.
        (Step.UNSCHEDULE, standing("scheduled"), AUTHOR, "editor", None),
        (Step.UNSCHEDULE, standing("awaiting"), AUTHOR, "editor", None),
        (Step.UNSCHEDULE, standing("draft"), AUTHOR, "editor", ALREADY_DRAFT),
        (Step.UNSCHEDULE, standing("sent", released=True), AUTHOR, "admin", RELEASED),
        (Step.UNSCHEDULE, standing("scheduled"), AUTHOR, "agent", NOT_A_WRITER),
        # Approving and sending back: someone else than its writers, while it awaits.
        (Step.APPROVE, standing("awaiting"), OTHER, "editor", None),
        (Step.APPROVE, standing("awaiting"), OTHER, "admin", None),
        (Step.APPROVE, standing("awaiting"), AUTHOR, "editor", OWN_MESSAGE),
        (Step.APPROVE, standing("awaiting"), AUTHOR, "admin", OWN_MESSAGE),
        (Step.APPROVE, standing("scheduled"), OTHER, "admin", NOT_AWAITING),
        (Step.APPROVE, standing("draft"), OTHER, "editor", NOT_AWAITING),
        (Step.APPROVE, standing("awaiting"), OTHER, "agent", NOT_A_WRITER),
        (Step.SEND_BACK, standing("awaiting"), OTHER, "editor", None),
        (Step.SEND_BACK, standing("awaiting"), AUTHOR, "editor", OWN_MESSAGE),
        (Step.SEND_BACK, standing("sent", released=True), OTHER, "editor", RELEASED),
        # Trying failed deliveries again: a released message only.
        (Step.RETRY, standing("sent", released=True), AUTHOR, "editor", None),
        (Step.RETRY, standing("sent", kind="item", released=True), OTHER, "admin", None),
        (Step.RETRY, standing("scheduled"), AUTHOR, "editor", NOT_SENT),
        (Step.RETRY, standing("cancelled", released=True), AUTHOR, "editor", NOT_SENT),
        (Step.RETRY, standing("sent", released=True), AUTHOR, "agent", NOT_A_WRITER),
    ],
)
def test_who_may_take_which_step(
    step: Step, message: Standing, actor: str, role: str, expected: Refusal | None
):
    assert refusal(step, message, actor, role) == expected


def test_the_refusals_for_a_person_are_403_and_the_others_409():
    assert NOT_A_WRITER.forbidden and OWN_MESSAGE.forbidden
    assert not any(r.forbidden for r in (RELEASED, CLOSED, ALREADY_DRAFT, NOT_AWAITING, NOT_SENT))


@pytest.mark.parametrize(
    ("role", "required", "bypass", "expected"),
    [
        ("editor", False, False, "scheduled"),
        ("editor", True, False, "awaiting"),
        ("editor", True, True, "scheduled"),
        ("admin", True, False, "scheduled"),
        ("admin", False, False, "scheduled"),
    ],
)
def test_where_publishing_leads(role: str, required: bool, bypass: bool, expected: str):
    assert submitted_status(role, required, bypass) == expected


@pytest.mark.parametrize(
    ("urgent", "reason", "expected"),
    [(True, "Crue de la Marne", None), (True, "", None), (False, "", None),
     (False, "Crue de la Marne", BYPASS_NOT_URGENT),
     (True, "x" * 501, "le motif d'un envoi sans validation dépasse 500 caractères")],
)  # fmt: skip
def test_only_an_urgent_message_may_bypass_the_approval(
    urgent: bool, reason: str, expected: str | None
):
    assert bypass_problem(urgent, reason) == expected
