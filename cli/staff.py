"""`arobase staff`: the accounts of the staff console. Command docstrings are the help staff
read, hence in French.

A password is never printed nor taken from the command line (other users of the machine see
it in `ps`, and the shell keeps it in its history): --password-stdin reads it from the
standard input; without it, a one-time link lets the person choose theirs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import local, run
from notifications.errors import InvalidInput
from notifications.hub import Hub

staff_app = typer.Typer(help="Comptes du personnel (console web).", no_args_is_help=True)


def read_password() -> str:
    """The password on the standard input's first line, without its line ending."""
    line = typer.get_text_stream("stdin").readline().rstrip("\r\n")
    if not line:
        raise InvalidInput("aucun mot de passe lu sur l'entrée standard")
    return line


def print_link(hub: Hub, token: str) -> None:
    """The one-time link of TOKEN and how long it is valid."""
    from arobase.hours_text import duration_text
    from notifications.links import staff_password_url

    hours = duration_text(hub.settings.staff_link_hours * 3600)
    typer.echo(
        f"Lien à usage unique, valable {hours}, où la personne choisit son mot de passe "
        "(ne le transmettez qu'à elle) :"
    )
    typer.echo(staff_password_url(hub.settings.public_url, token))


@staff_app.command("add")
def staff_add(
    email: str,
    role: Annotated[str, typer.Option(help="admin, editor ou agent")],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Lire le mot de passe sur l'entrée standard"),
    ] = False,
) -> None:
    """Crée un compte ; sans --password-stdin, affiche le lien à usage unique où la personne
    choisit son mot de passe."""
    from notifications.staff import CLI_ACTOR, add_staff

    def action(hub: Hub) -> None:
        password = read_password() if password_stdin else None
        account, token = add_staff(hub, email, role, password, actor=CLI_ACTOR)
        typer.echo(f"Compte créé : {account.email} ({account.role}).")
        if token is not None:
            print_link(hub, token)

    run(action)


@staff_app.command("list")
def staff_list() -> None:
    """Les comptes du personnel, leur rôle et leur état."""
    from notifications.staff import list_staff

    def action(hub: Hub) -> None:
        accounts = list_staff(hub)
        if not accounts:
            typer.echo("Aucun compte.")
        now = hub.now()
        for account in accounts:
            if not account.active:
                state = "désactivé"
            elif account.locked_until and account.locked_until > now:
                state = f"bloqué jusqu'au {local(account.locked_until, hub)}"
            elif not account.has_password:
                state = "en attente de son mot de passe"
            else:
                state = "actif, double authentification" if account.has_totp else "actif"
            created = local(account.created_at, hub)
            typer.echo(f"{account.email:<40} {account.role:<7} {state} (créé le {created})")

    run(action)


@staff_app.command("disable")
def staff_disable(email: str) -> None:
    """Désactive un compte : il ne peut plus se connecter et ses sessions sont fermées."""
    from notifications.staff import CLI_ACTOR, disable_staff

    account = run(lambda hub: disable_staff(hub, email, actor=CLI_ACTOR))
    typer.echo(f"Compte désactivé : {account.email} ; ses sessions sont fermées.")


@staff_app.command("reset")
def staff_reset(email: str) -> None:
    """Efface le mot de passe d'un compte et sa double authentification (téléphone perdu),
    ferme ses sessions et affiche un nouveau lien à usage unique (un compte désactivé est
    réactivé)."""
    from notifications.staff import CLI_ACTOR, reset_staff

    def action(hub: Hub) -> None:
        token = reset_staff(hub, email, actor=CLI_ACTOR)
        typer.echo(f"Compte réinitialisé : mot de passe effacé, sessions fermées ({email}).")
        typer.echo(
            "Sa double authentification, s'il en avait une, est retirée : la personne pourra "
            "la réactiver dans la console."
        )
        print_link(hub, token)

    run(action)
