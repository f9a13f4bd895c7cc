"""`arobase announce`, `messages` and `deliveries`: what the hub sends, and to whom it went.
Command docstrings are the help staff read, hence in French."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import count, local, run
from notifications.hub import Hub

if TYPE_CHECKING:
    from notifications.outbox import ChannelStats

messages_app = typer.Typer(
    help="Messages : liste, détail, aperçu, annulation.", no_args_is_help=True
)
deliveries_app = typer.Typer(help="Envois : qui a reçu quoi.", no_args_is_help=True)


def announce(
    title: Annotated[str, typer.Argument(help="Titre de l'annonce")],
    topic: Annotated[list[str], typer.Option("--topic", help="Thème (plusieurs possibles)")],
    body: Annotated[str, typer.Option("--body", help="Texte de l'annonce")] = "",
    at: Annotated[
        str | None, typer.Option("--at", help="Envoi programmé : « 2026-12-01 08:00 »")
    ] = None,
    urgent: Annotated[bool, typer.Option("--urgent", help="Envoi immédiat, même la nuit")] = False,
    link: Annotated[str | None, typer.Option("--link", help="Lien « En savoir plus »")] = None,
) -> None:
    """Écrit une annonce aux abonnés de ses thèmes, tout de suite ou à l'heure dite."""
    from notifications.messages import announce as create

    def action(hub: Hub) -> None:
        info = create(hub, title, body=body, topics=topic, at=at, urgent=urgent, link=link)
        when = (
            "sera envoyé dès que possible"
            if at is None
            else f"programmé le {local(info.scheduled_at, hub)}"
        )
        typer.echo(f"Message n° {info.id} {when} (thèmes : {', '.join(info.topics)}).")

    run(action)


@messages_app.command("list")
def messages_list(
    status: Annotated[
        str | None, typer.Option(help="scheduled, sent, cancelled ou withdrawn")
    ] = None,
) -> None:
    """Les derniers messages."""
    from notifications.messages import list_messages

    def action(hub: Hub) -> None:
        rows = list_messages(hub, status)
        if not rows:
            typer.echo("Aucun message.")
        for m in rows:
            mark = " URGENT" if m.urgent else ""
            typer.echo(
                f"{m.id:>5} {m.status:<9} {local(m.scheduled_at, hub)} {m.kind:<8}"
                f" [{', '.join(m.topics)}]{mark} {m.title}"
            )

    run(action)


@messages_app.command("show")
def messages_show(message_id: int) -> None:
    """Un message et l'état de ses envois."""
    from notifications.messages import get_message
    from notifications.outbox import delivery_stats

    def action(hub: Hub) -> None:
        m = get_message(hub, message_id)
        typer.echo(
            f"Message n° {m.id} ({m.kind}, {m.status}{', urgent' if m.urgent else ''})\n"
            f"Titre : {m.title}\nThèmes : {', '.join(m.topics) or '-'}\n"
            f"Prévu : {local(m.scheduled_at, hub)} ; parti : {local(m.released_at, hub)}\n"
            f"Lien : {m.link or '-'}\n\n{m.body}"
        )
        print_stats(delivery_stats(hub, message_id))

    run(action)


@messages_app.command("preview")
def messages_preview(
    message_id: int,
    channel: Annotated[str | None, typer.Option(help="Un seul canal")] = None,
) -> None:
    """Le texte que chaque canal enverra."""
    from notifications.messages import preview_message

    def action(hub: Hub) -> None:
        for name, text in preview_message(hub, message_id).items():
            if channel in (None, name):
                typer.echo(f"===== {name} =====\n{text}\n")

    run(action)


@messages_app.command("cancel")
def messages_cancel(message_id: int) -> None:
    """Annule un message programmé, ou ce qui reste à envoyer d'un message parti."""
    from notifications.messages import cancel_message

    cancelled = run(lambda hub: cancel_message(hub, message_id))
    typer.echo(
        f"Message n° {message_id} annulé ({count(cancelled, 'envoi annulé', 'envois annulés')})."
    )


def print_stats(stats: Sequence[ChannelStats]) -> None:
    """The deliveries per channel as a table, or 'Aucun envoi.'."""
    if not stats:
        typer.echo("Aucun envoi.")
        return
    typer.echo(f"{'canal':<10} {'envoyés':>8} {'échecs':>8} {'en attente':>11} {'annulés':>8}")
    for s in stats:
        typer.echo(f"{s.channel:<10} {s.sent:>8} {s.failed:>8} {s.pending:>11} {s.cancelled:>8}")


@deliveries_app.command("stats")
def deliveries_stats(
    message_id: Annotated[int | None, typer.Argument(help="Un message (défaut : tous)")] = None,
) -> None:
    """Envois réussis, en échec et en attente par canal, et les derniers échecs."""
    from notifications.messages import get_message
    from notifications.outbox import delivery_stats, failures

    def action(hub: Hub) -> None:
        if message_id is not None:
            get_message(hub, message_id)  # a clear error for an unknown message
        print_stats(delivery_stats(hub, message_id))
        latest = failures(hub, message_id)
        if latest:
            typer.echo("\nDerniers échecs :")
            for delivery_id, channel, reason in latest:
                typer.echo(f"  envoi {delivery_id} ({channel}) : {reason}")

    run(action)
