"""`arobase announce`, `messages` and `deliveries`: what the hub sends, and to whom it went.
Command docstrings are the help staff read, hence in French."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import count, local, run
from notifications.hub import Hub

if TYPE_CHECKING:
    from notifications.budget import MonthSpending
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
    area: Annotated[
        list[str] | None,
        typer.Option("--area", help="Secteur concerné (plusieurs ; défaut : toute la commune)"),
    ] = None,
) -> None:
    """Écrit une annonce aux abonnés de ses thèmes (et de ses secteurs), tout de suite ou à
    l'heure dite."""
    from notifications.messages import announce as create

    def action(hub: Hub) -> None:
        info = create(
            hub, title, body=body, topics=topic, at=at, urgent=urgent, link=link, areas=area or ()
        )
        when = (
            "sera envoyé dès que possible"
            if at is None
            else f"programmé le {local(info.scheduled_at, hub)}"
        )
        where = f" ; secteurs : {', '.join(info.areas)}" if info.areas else ""
        typer.echo(f"Message n° {info.id} {when} (thèmes : {', '.join(info.topics)}{where}).")

    run(action)


@messages_app.command("list")
def messages_list(
    status: Annotated[
        str | None,
        typer.Option(help="draft, awaiting, scheduled, sent, cancelled ou withdrawn"),
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
            f"Secteurs : {', '.join(m.areas) or 'toute la commune'}\n"
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
    """Le texte que chaque canal enverra, et ce qu'il coûtera (SMS)."""
    from notifications.budget import month_spending
    from notifications.messages import get_message, preview_message
    from notifications.reach import audience

    def action(hub: Hub) -> None:
        shown = preview_message(hub, message_id)
        message = get_message(hub, message_id)
        reach = audience(hub, message.topics, message.areas)
        for name, text in shown.texts.items():
            if channel in (None, name):
                typer.echo(f"===== {name} =====\n{text}\n")
                if name in shown.prices:
                    spending = month_spending(hub, name)
                    typer.echo(price_line(shown.prices[name], reach[name], spending) + "\n")

    run(action)


@messages_app.command("cancel")
def messages_cancel(message_id: int) -> None:
    """Annule un message programmé, ou ce qui reste à envoyer d'un message parti."""
    from notifications.messages import cancel_message

    cancelled = run(lambda hub: cancel_message(hub, message_id))
    typer.echo(
        f"Message n° {message_id} annulé ({count(cancelled, 'envoi annulé', 'envois annulés')})."
    )


@messages_app.command("approve")
def messages_approve(message_id: int) -> None:
    """Valide une annonce en attente de validation (règle des deux personnes) : elle part à
    son heure, ou tout de suite si elle devait partir dès sa publication."""
    from notifications.announcements import approve, get_announcement
    from notifications.staff import CLI_ACTOR

    def action(hub: Hub) -> None:
        seen = get_announcement(hub, message_id).revision
        info = approve(hub, message_id, seen, actor=CLI_ACTOR, role="admin").message
        typer.echo(f"Message n° {info.id} validé : envoi prévu le {local(info.scheduled_at, hub)}.")

    run(action)


@messages_app.command("send-back")
def messages_send_back(
    message_id: int,
    comment: Annotated[str, typer.Option("--comment", help="Ce que l'auteur doit changer")],
) -> None:
    """Renvoie en brouillon une annonce en attente de validation, avec un commentaire."""
    from notifications.announcements import get_announcement, send_back
    from notifications.staff import CLI_ACTOR

    def action(hub: Hub) -> None:
        seen = get_announcement(hub, message_id).revision
        send_back(hub, message_id, seen, comment, actor=CLI_ACTOR, role="admin")
        typer.echo(f"Message n° {message_id} renvoyé en brouillon.")

    run(action)


@messages_app.command("unschedule")
def messages_unschedule(message_id: int) -> None:
    """Remet en brouillon une annonce programmée ou en attente (pas une fois partie)."""
    from notifications.announcements import unschedule
    from notifications.staff import CLI_ACTOR

    run(lambda hub: unschedule(hub, message_id, actor=CLI_ACTOR, role="admin"))
    typer.echo(f"Message n° {message_id} remis en brouillon.")


@messages_app.command("retry")
def messages_retry(message_id: int) -> None:
    """Remet en attente les envois en échec d'un message parti, avec de nouveaux essais."""
    from notifications.announcements import retry_failed
    from notifications.staff import CLI_ACTOR

    count_ = run(lambda hub: retry_failed(hub, message_id, CLI_ACTOR, role="admin"))
    typer.echo(
        f"Message n° {message_id} : {count(count_, 'envoi remis', 'envois remis')} en attente."
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


def price_line(price: int, recipients: int, spending: MonthSpending) -> str:
    """« Coût : 24 SMS (2 par abonné, 12 abonnés) » and, under a monthly cap, what is left of
    it: what a message costs on a paying channel."""
    from notifications.budget import budget_note

    subscribers = count(recipients, "abonné", "abonnés")
    line = f"Coût : {price * recipients} {spending.unit} ({price} par abonné, {subscribers})"
    note = budget_note(spending, price, recipients)
    return line if note is None else f"{line}\n{note}"
