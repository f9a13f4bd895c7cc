"""`arobase conversations`: what the assistant could not answer, and the conversations
handed over to a town agent (issue 11)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

conversations_app = typer.Typer(
    help="Conversations : questions sans bonne réponse, échanges transmis à un agent.",
    no_args_is_help=True,
)


@conversations_app.command("waiting")
def conversations_waiting() -> None:
    """Les conversations transmises à un agent et pas encore terminées : numéro, canal,
    depuis quand, qui l'a prise en charge, début de la question."""
    from cli.common import local, run
    from notifications.handoffs import waiting_handoffs
    from notifications.hub import Hub

    fronts = {"web": "site", "telegram": "Telegram", "terminal": "terminal"}

    def action(hub: Hub) -> None:
        handoffs = waiting_handoffs(hub)
        if not handoffs:
            typer.echo("Aucune conversation en attente d'un agent.")
        for handoff in handoffs:
            who = f"prise par {handoff.taken_by}" if handoff.taken_by else "en attente"
            question = " ".join(handoff.question.split())
            question = question if len(question) <= 60 else question[:59] + "…"
            typer.echo(
                f"n° {handoff.id:<6} {fronts.get(handoff.front, handoff.front):<9} "
                f"depuis le {local(handoff.opened_at, hub)}  {who:<40} {question}"
            )

    run(action)


@conversations_app.command("unanswered")
def conversations_unanswered(
    limit: Annotated[int, typer.Option(help="Nombre de groupes affichés", min=1)] = 50,
) -> None:
    """Les questions que l'assistant n'a pas comprises, où il n'était pas sûr de lui, hors
    de son domaine ou notées 👎, regroupées quand elles se ressemblent (les plus fréquentes
    d'abord) ; textes masqués, sans qui les a posées."""
    from cli.common import count, local, run
    from notifications.hub import Hub
    from notifications.questions import review_state

    def action(hub: Hub) -> None:
        state = review_state(hub)
        if not state.groups:
            typer.echo("Aucune question à revoir.")
            return
        groups = count(len(state.groups), "groupe", "groupes")
        typer.echo(f"{count(state.total, 'question', 'questions')} à revoir, en {groups} :")
        for group in state.groups[:limit]:
            down = f", {group.thumbs_down} 👎" if group.thumbs_down else ""
            typer.echo(
                f"{len(group.questions):>5} × « {group.representative} » "
                f"(dernière le {local(group.last, hub)}{down})"
            )
        if len(state.groups) > limit:
            typer.echo(
                f"… et {count(len(state.groups) - limit, 'autre groupe', 'autres groupes')}."
            )

    run(action)


@conversations_app.command("training-export")
def conversations_training_export(
    output: Annotated[
        Path | None, typer.Option("--output", help="Fichier à écrire (sinon : la sortie)")
    ] = None,
) -> None:
    """Les questions marquées « à ajouter à l'entraînement » dans la console, au format des
    données d'entraînement de Rasa (YAML), à relire puis ajouter à nlu_data/."""
    from cli.common import fail, run
    from notifications.hub import Hub
    from notifications.questions import training_export

    def action(hub: Hub) -> None:
        text = training_export(hub, actor="cli")
        if output is None:
            typer.echo(text, nl=False)
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            reason = f"écriture impossible dans {output} : {error.strerror}"
            raise fail(ValueError(reason)) from None
        typer.echo(f"Écrit : {output}.")

    run(action)
