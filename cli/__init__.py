"""The `arobase` command for staff: the assistant's commands (cli/bot.py) and the hub's
(db, sources, announce, messages, subscribers, deliveries, webpush, worker), and the staff
console's accounts (staff).

Errors print a French reason and exit 1. The Typer apps only declare commands: each command
imports what it runs when it runs.
"""

from __future__ import annotations

import typer

from cli.bot import chat, model_app, telegram, town_app
from cli.conversations import conversations_app
from cli.hub import db_app, webpush_app, worker
from cli.messages import announce, deliveries_app, messages_app
from cli.sources import sources_app
from cli.staff import staff_app
from cli.subscribers import subscribers_app


def build_app() -> typer.Typer:
    """The `arobase` command with its commands and groups, in the order its help lists them."""
    app = typer.Typer(
        help="Arobase : assistant et alertes pour les communes.", no_args_is_help=True
    )
    for command in (chat, telegram, announce, worker):
        app.command()(command)
    groups = {
        "town": town_app,
        "model": model_app,
        "db": db_app,
        "sources": sources_app,
        "messages": messages_app,
        "subscribers": subscribers_app,
        "deliveries": deliveries_app,
        "webpush": webpush_app,
        "staff": staff_app,
        "conversations": conversations_app,
    }
    for name, group in groups.items():
        app.add_typer(group, name=name)
    return app


app = build_app()


def main() -> None:
    """The `arobase` entry point."""
    app()
