"""The hub's running parts: its database, its worker and its Web Push keys. Command
docstrings are the help staff read, hence in French."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from arobase.errors import ArobaseError
from cli.common import fail, opened_hub

db_app = typer.Typer(help="Base de données des alertes.", no_args_is_help=True)
webpush_app = typer.Typer(
    help="Notifications Web Push (application de la ville).", no_args_is_help=True
)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Crée ou met à jour les tables (migrations Alembic)."""
    from arobase.data_files import owner_only_dir
    from notifications.store.migrate import upgrade

    with opened_hub(check=False) as hub:  # the one command for a database not ready yet
        owner_only_dir(hub.settings.data_dir)  # personal data and secrets: owner-only
        revision = upgrade(hub.settings.database_url)
        typer.echo(f"Base de données à jour (révision {revision}).")


def worker(
    no_poll: Annotated[bool, typer.Option("--no-poll", help="Ne pas lire les sources.")] = False,
) -> None:
    """Lit les sources et envoie les alertes, jusqu'à Ctrl-C."""
    from notifications.worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for noisy in ("alembic", "httpx"):  # a line per schema check or per request otherwise
        logging.getLogger(noisy).setLevel(logging.WARNING)
    with opened_hub() as hub:
        asyncio.run(run_worker(hub, poll=not no_poll))


@webpush_app.command("keys")
def webpush_keys(
    current: Annotated[
        bool,
        typer.Option(
            "--current",
            help="Afficher la paire en service (configurée, ou créée dans le dossier de "
            "données) au lieu d'en créer une : les appareils déjà abonnés la gardent.",
        ),
    ] = False,
) -> None:
    """Crée une paire de clés VAPID ; mettez les deux lignes dans l'environnement (la clé
    privée est secrète). Sans clés configurées, une paire est créée une fois dans le dossier de
    données ; changer de paire oblige les appareils déjà abonnés à se réabonner."""
    from arobase.settings import load_settings
    from notifications.vapid import generate_vapid_keys, town_vapid_keys

    if current:
        try:
            keys = town_vapid_keys(load_settings())
        except ArobaseError as error:
            raise fail(error) from None
        private, public = keys.private_key, keys.public_key
    else:
        private, public = generate_vapid_keys()
    if private:  # empty when only the public key is configured here
        typer.echo(f"AROBASE_WEBPUSH_PRIVATE_KEY={private}")
    typer.echo(f"AROBASE_WEBPUSH_PUBLIC_KEY={public}")
