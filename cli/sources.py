"""`arobase sources`: the feeds the hub follows. Command docstrings are the help staff read,
hence in French."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from cli.common import count, local, run
from notifications.errors import InvalidInput
from notifications.hub import Hub
from notifications.records import SourceOrigin

sources_app = typer.Typer(
    help="Sources suivies : site web (RSS), YouTube, conseil.", no_args_is_help=True
)


def parse_categories(pairs: list[str]) -> dict[str, str]:
    """'Travaux=travaux' pairs as {category: topic}; InvalidInput names a malformed one."""
    mapping = {}
    for pair in pairs:
        category, sep, topic = pair.rpartition("=")
        if not sep or not category.strip() or not topic.strip():
            raise InvalidInput(f"catégorie invalide « {pair} » : écrivez « Catégorie=thème »")
        mapping[category.strip()] = topic.strip()
    return mapping


@sources_app.command("add")
def sources_add(
    name: Annotated[str, typer.Argument(help="Nom court, ex. site, videos, conseil")],
    kind: Annotated[str, typer.Option("--kind", help="rss, youtube ou council")] = "rss",
    url: Annotated[str | None, typer.Option(help="Adresse du flux (RSS, ICS)")] = None,
    channel_id: Annotated[str | None, typer.Option(help="YouTube : identifiant UC…")] = None,
    topic: Annotated[str | None, typer.Option(help="Thème par défaut des publications")] = None,
    category: Annotated[
        list[str] | None, typer.Option(help="Catégorie du site vers un thème : « Travaux=travaux »")
    ] = None,
    livestream: Annotated[str | None, typer.Option(help="Conseil : lien du direct")] = None,
) -> None:
    """Suit une nouvelle source (sa première lecture n'envoie rien : l'existant n'est pas
    une nouvelle)."""
    from notifications.source_admin import add_source, make_spec

    def action(hub: Hub) -> None:
        options = {"livestream": livestream} if livestream else {}
        spec = make_spec(
            hub,
            name,
            kind,
            url=url,
            channel_id=channel_id,
            topic=topic,
            categories=parse_categories(category or []),
            options=options,
        )
        info = add_source(hub, spec)
        typer.echo(f"Source « {info.name} » ajoutée ({info.kind}, {info.url}, thème {info.topic}).")

    run(action)


@sources_app.command("list")
def sources_list() -> None:
    """Toutes les sources et leur état (en échec : pourquoi, et quand on réessaie)."""
    from notifications.source_admin import list_sources, sync_town_sources

    def action(hub: Hub) -> None:
        sync_town_sources(hub)
        rows = list_sources(hub)
        if not rows:
            typer.echo("Aucune source.")
        for s in rows:
            typer.echo(
                f"{s.name:<16} {s.kind:<8} {s.topic:<11} {s.state}\n"
                f"{'':<16} {s.url}\n{'':<16} dernière lecture réussie : "
                f"{local(s.last_ok_at, hub)} ; prochaine : {local(s.next_poll_at, hub)}"
                f"{'' if s.origin == SourceOrigin.CLI else ' (fichier de la commune)'}"
            )

    run(action)


@sources_app.command("remove")
def sources_remove(name: str) -> None:
    """Ne plus suivre une source."""
    from notifications.source_admin import remove_source

    run(lambda hub: remove_source(hub, name))
    typer.echo(f"Source « {name} » retirée.")


@sources_app.command("check")
def sources_check(
    target: Annotated[str, typer.Argument(help="Nom d'une source, ou adresse d'un flux")],
    kind: Annotated[str, typer.Option("--kind", help="Type, pour une adresse")] = "rss",
) -> None:
    """Lit une source maintenant et montre son contenu, sans rien garder ni envoyer."""
    from notifications.source_admin import check_source

    def action(hub: Hub) -> None:
        feed, topics = asyncio.run(check_source(hub, target, kind))
        typer.echo(
            f"{feed.title or '(sans titre)'} : {count(len(feed.items), 'entrée', 'entrées')}."
        )
        if feed.warning:
            typer.echo(f"Avertissement : {feed.warning}")
        for item, item_topics in list(zip(feed.items, topics, strict=True))[:10]:
            typer.echo(f"- {item.title} [{', '.join(item_topics)}]\n  {item.link or ''}")

    run(action)
