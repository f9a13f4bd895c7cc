"""The console's Questions section (admins and editors): the questions residents asked that
the assistant did not answer well, grouped when alike, and what staff do with a group.

- `GET /console/questions`: the groups to review (not understood, unsure, out of scope, or
  voted 👎), the biggest first, each with its actions;
- `POST /console/questions/{id}/entrainement` (a `label`): the group to the next training;
- `GET|POST /console/questions/{id}/reponse`: a staff-written answer for the group, given by
  the assistant without retraining (the town content's `answers`);
- `POST /console/questions/{id}/ignorer`: the group set aside;
- `GET /console/questions/entrainement.yml`: the questions marked for the training, as Rasa
  NLU YAML;
- `GET /console/questions/reponses`, `POST …/reponses/{key}/supprimer`: the answers written
  here, and their removal.

A group is named by one of its questions' ids: an action applies to the group that question
is in when it is posted. Every change is audited by its use case (notifications/questions.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.web.alerts import alerts_context
from bot.web.console.auth import (
    Endpoint,
    app_path,
    check_session_csrf,
    read_form,
    require,
    see_other,
)
from bot.web.console.pages import page
from bot.web.console.questions_render import (
    ANSWERS_PATH,
    EXPORT_PATH,
    answer_body,
    answers_body,
    group_path,
    remove_path,
    review_body,
)
from bot.web.console.render import QUESTIONS_PATH, message, staff_nav
from bot.web.frame import sentence
from notifications import (
    AnswerInput,
    ContentRefused,
    Hub,
    InvalidInput,
    NotFound,
    ReviewState,
    Role,
    StaffSession,
    dismiss_group,
    mark_for_training,
    remove_answer,
    review_group,
    review_state,
    staff_answers,
    training_export,
    training_labels,
    write_answer,
)

T = TypeVar("T")
WRITERS = (Role.ADMIN, Role.EDITOR)
TITLE = "Questions des habitants"
QUESTION_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")
DONE_PARAMETER = "fait"
DONE = {
    "entrainement": "Les questions sont marquées pour le prochain entraînement : retrouvez-les "
    "dans l'export.",
    "ignore": "Les questions sont mises de côté.",
    "reponse": "La réponse est enregistrée. L'assistant la donne dans les secondes qui suivent.",
    "suppression": "La réponse est supprimée. L'assistant ne la donne plus.",
}
NO_QUESTION = "Ces questions n'existent pas (ou plus)."
NO_ANSWER = "Cette réponse n'existe pas (ou plus)."


def by(operation: Callable[..., T], session: StaffSession) -> Callable[..., T]:
    """OPERATION (a use case) done by SESSION's staff member, who is audited."""
    return functools.partial(operation, actor=session.account.email)


def nav(request: Request, session: StaffSession) -> str:
    return staff_nav(app_path(request), session)


def question_id_of(request: Request) -> str:
    """The path's question id; 404 unless it has an id's shape."""
    question_id = request.path_params["question_id"]
    if not QUESTION_ID.fullmatch(question_id):
        raise HTTPException(404, NO_QUESTION)
    return question_id


def notice_of(request: Request) -> str:
    return message(DONE.get(request.query_params.get(DONE_PARAMETER, "")), error=False)


async def posted(request: Request, session: StaffSession) -> dict[str, str]:
    """The posted form, its CSRF token checked."""
    form = await read_form(request)
    check_session_csrf(session, form)
    return form


def review_data(hub: Hub) -> tuple[ReviewState, tuple[str, ...]]:
    return review_state(hub), training_labels(hub)


async def review_response(
    request: Request, session: StaffSession, *, error: str | None = None, invalid: str = ""
) -> Response:
    """The review page, with the outcome of the last change or a refused label's ERROR."""
    alerts = alerts_context(request)
    state, labels = await alerts.run(review_data)
    notice = message(error, error=True) if error else notice_of(request)
    body = review_body(
        nav(request, session), state, labels, alerts.town, session.csrf, alerts.town.commune.zone,
        notice, invalid or None,
    )  # fmt: skip
    status = 422 if error else 200
    return page(request, TITLE, body, status=status, error=bool(error))


@require(*WRITERS)
async def review_page(request: Request, session: StaffSession) -> Response:
    """GET /console/questions."""
    return await review_response(request, session)


async def on_group(request: Request, operation: Callable[..., object], *args: object) -> None:
    """OPERATION(hub, question id, *ARGS) on the path's group; 404 when it was done."""
    try:
        await alerts_context(request).run(operation, question_id_of(request), *args)
    except NotFound as error:
        raise HTTPException(404, str(error)) from error


@require(*WRITERS)
async def training_action(request: Request, session: StaffSession) -> Response:
    """POST /console/questions/{id}/entrainement: the group to the training as `label`."""
    form = await posted(request, session)
    try:
        await on_group(request, by(mark_for_training, session), form.get("label", ""))
    except InvalidInput as refused:
        return await review_response(
            request, session, error=str(refused), invalid=question_id_of(request)
        )
    return see_other(request, f"{QUESTIONS_PATH}?{DONE_PARAMETER}=entrainement")


@require(*WRITERS)
async def dismiss_action(request: Request, session: StaffSession) -> Response:
    """POST /console/questions/{id}/ignorer."""
    await posted(request, session)
    await on_group(request, by(dismiss_group, session))
    return see_other(request, f"{QUESTIONS_PATH}?{DONE_PARAMETER}=ignore")


async def answer_form(
    request: Request,
    session: StaffSession,
    typed: tuple[str, str] | None = None,
    refused: ContentRefused | None = None,
) -> Response:
    """The answer form of the path's group: TYPED (answer, questions) or its wordings."""
    question_id = question_id_of(request)
    try:
        group = await alerts_context(request).run(review_group, question_id)
    except NotFound as error:
        raise HTTPException(404, str(error)) from error
    typed = typed or ("", "\n".join(group.wordings[:20]))
    error = (sentence(str(refused)), refused.field) if refused else None
    zone = alerts_context(request).town.commune.zone
    body = answer_body(nav(request, session), group, session.csrf, typed, zone, error)
    status = 422 if refused else 200
    return page(request, "Écrire une réponse", body, status=status, error=bool(refused))


@require(*WRITERS)
async def answer_page(request: Request, session: StaffSession) -> Response:
    """GET /console/questions/{id}/reponse."""
    return await answer_form(request, session)


@require(*WRITERS)
async def answer_action(request: Request, session: StaffSession) -> Response:
    """POST /console/questions/{id}/reponse: the answer stored, or the form again (422)."""
    form = await posted(request, session)
    answer = form.get("answer", "").replace("\r\n", "\n")
    questions = form.get("questions", "").replace("\r\n", "\n")
    try:
        await on_group(request, by(write_answer, session), AnswerInput(answer, questions))
    except ContentRefused as refused:
        return await answer_form(request, session, (answer, questions), refused)
    return see_other(request, f"{QUESTIONS_PATH}?{DONE_PARAMETER}=reponse")


@require(*WRITERS)
async def answers_page(request: Request, session: StaffSession) -> Response:
    """GET /console/questions/reponses: the answers written in the console."""
    alerts = alerts_context(request)
    answers = await alerts.run(staff_answers)
    body = answers_body(nav(request, session), answers, session.csrf, alerts.town.commune.zone)
    return page(request, "Réponses écrites par la mairie", notice_of(request) + body)


@require(*WRITERS)
async def remove_action(request: Request, session: StaffSession) -> Response:
    """POST /console/questions/reponses/{key}/supprimer."""
    await posted(request, session)
    key = request.path_params["key"]
    if not await alerts_context(request).run(by(remove_answer, session), key):
        raise HTTPException(404, NO_ANSWER)
    return see_other(request, f"{ANSWERS_PATH}?{DONE_PARAMETER}=suppression")


@require(*WRITERS)
async def export_endpoint(request: Request, session: StaffSession) -> Response:
    """GET /console/questions/entrainement.yml."""
    text = await alerts_context(request).run(by(training_export, session))
    disposition = 'attachment; filename="entrainement.yml"'
    return Response(
        text,
        media_type="application/yaml; charset=utf-8",
        headers={"content-disposition": disposition},
    )


def handlers() -> dict[str, dict[str, Endpoint]]:
    """This section's pages, for the console's routes."""
    group = "{question_id}"
    return {
        QUESTIONS_PATH: {"GET": review_page},
        EXPORT_PATH: {"GET": export_endpoint},
        ANSWERS_PATH: {"GET": answers_page},
        remove_path("{key}"): {"POST": remove_action},
        group_path(group, "entrainement"): {"POST": training_action},
        group_path(group, "ignorer"): {"POST": dismiss_action},
        group_path(group, "reponse"): {"GET": answer_page, "POST": answer_action},
    }
