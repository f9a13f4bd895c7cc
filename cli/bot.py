"""The assistant's commands: try it in a terminal, run the Telegram bot, check the town file,
train the model. Command docstrings are the help staff read, hence in French."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from arobase.errors import ArobaseError
from cli.common import fail

town_app = typer.Typer(help="Contenu de la commune (services, horaires, démarches).")
model_app = typer.Typer(help="Modèle Rasa (entraîné seulement quand ses données changent).")


def chat() -> None:
    """Discuter avec l'assistant en marche, dans ce terminal (pour l'équipe)."""
    from arobase.settings import load_settings
    from bot.terminal import run_terminal_chat

    raise typer.Exit(code=run_terminal_chat(load_settings()))


def telegram() -> None:
    """Lance le robot Telegram (AROBASE_TELEGRAM_TOKEN), jusqu'à Ctrl-C."""
    from arobase.settings import load_settings
    from bot.telegram.run import run_bot

    settings = load_settings()
    if not settings.telegram_token.get_secret_value():
        typer.secho(
            "Erreur : AROBASE_TELEGRAM_TOKEN est vide. Créez le robot avec @BotFather sur "
            "Telegram, puis mettez son jeton dans l'environnement (voir le README).",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(code=1)
    run_bot(settings)


@town_app.command("check")
def town_check(
    file: Annotated[
        Path | None, typer.Argument(help="Fichier YAML (défaut : AROBASE_TOWN_FILE)")
    ] = None,
) -> None:
    """Vérifie un fichier de contenu de la commune et le résume."""
    from arobase.settings import load_settings
    from arobase.town import load_town

    path = file or load_settings().town_file
    try:
        town = load_town(path)
    except ArobaseError as error:
        raise fail(error) from None
    typer.echo(
        f"{path} : {town.commune.name}, {len(town.services)} services, "
        f"{len(town.procedures)} démarches, {len(town.topics)} thèmes, "
        f"{len(town.closures)} fermetures exceptionnelles. OK."
    )


@model_app.command("train")
def model_train() -> None:
    """Entraîne le modèle si ses données ont changé ; affiche son chemin."""
    from arobase.model import ensure_model

    try:
        path, trained = ensure_model()
    except ArobaseError as error:
        raise fail(error) from None
    typer.echo(f"{'trained' if trained else 'up to date'}: {path}")


@model_app.command("path")
def model_path_command() -> None:
    """Affiche le chemin du modèle actuel (ou celui qu'il aura une fois entraîné)."""
    from arobase.model import ModelInputs, model_path

    inputs = ModelInputs()
    typer.echo(model_path(inputs, inputs.root / "models"))
