"""The hub's commands for staff: sources, announcements, messages, subscribers, deliveries.

Registered under `arobase` by arobase/cli.py. Errors print a French reason and exit 1.
Command docstrings are the help staff read, hence in French.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from arobase.errors import ArobaseError
from arobase.settings import Settings
from notifications.hub import Hub, open_hub

T = TypeVar("T")

db_app = typer.Typer(help="Base de données des alertes.", no_args_is_help=True)
sources_app = typer.Typer(
    help="Sources suivies : site web (RSS), YouTube, conseil.", no_args_is_help=True
)
messages_app = typer.Typer(
    help="Messages : liste, détail, aperçu, annulation.", no_args_is_help=True
)
subscribers_app = typer.Typer(
    help="Abonnés aux alertes (données personnelles).", no_args_is_help=True
)
deliveries_app = typer.Typer(help="Envois : qui a reçu quoi.", no_args_is_help=True)
webpush_app = typer.Typer(
    help="Notifications Web Push (application de la ville).", no_args_is_help=True
)


def fail(error: Exception) -> typer.Exit:
    typer.secho(f"Erreur : {error}", err=True, fg=typer.colors.RED)
    return typer.Exit(code=1)


@contextmanager
def opened_hub(check_schema: bool = True) -> Iterator[Hub]:
    """The hub for one command; ArobaseError becomes a French message and exit code 1."""
    try:
        hub = open_hub()
    except ArobaseError as error:
        raise fail(error) from None
    try:
        if check_schema:
            require_schema(hub)
        yield hub
    except ArobaseError as error:
        raise fail(error) from None
    finally:
        hub.close()


def require_schema(hub: Hub) -> None:
    from notifications.errors import HubError
    from notifications.store.migrate import current_revision, head_revision

    if current_revision(hub.settings.database_url) != head_revision():
        raise HubError(
            "la base de données n'est pas à jour : lancez « arobase db upgrade » "
            "(make run le fait aussi)"
        )


def local(moment: datetime | None, hub: Hub) -> str:
    return moment.astimezone(hub.zone).strftime("%d/%m/%Y %H:%M") if moment else "-"


def count(number: int, singular: str, plural: str) -> str:
    """'1 entrée', '3 entrées': French takes the singular for 0 and 1."""
    return f"{number} {singular if abs(number) < 2 else plural}"


def run(action: Callable[[Hub], T]) -> T:
    with opened_hub() as hub:
        return action(hub)


# --- db ------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Crée ou met à jour les tables (migrations Alembic)."""
    from arobase.data_files import owner_only_dir
    from notifications.store.migrate import upgrade

    with opened_hub(check_schema=False) as hub:
        owner_only_dir(hub.settings.data_dir)  # personal data and secrets: owner-only
        revision = upgrade(hub.settings.database_url)
        typer.echo(f"Base de données à jour (révision {revision}).")


# --- worker --------------------------------------------------------------------------------


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


# --- sources -------------------------------------------------------------------------------


def parse_categories(pairs: list[str]) -> dict[str, str]:
    from notifications.errors import InvalidInput

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
    from notifications.source_store import add_source, make_spec

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
    from notifications.source_store import list_sources, sync_town_sources

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
                f"{'' if s.origin == 'cli' else ' (fichier de la commune)'}"
            )

    run(action)


@sources_app.command("remove")
def sources_remove(name: str) -> None:
    """Ne plus suivre une source."""
    from notifications.source_store import remove_source

    run(lambda hub: remove_source(hub, name))
    typer.echo(f"Source « {name} » retirée.")


@sources_app.command("check")
def sources_check(
    target: Annotated[str, typer.Argument(help="Nom d'une source, ou adresse d'un flux")],
    kind: Annotated[str, typer.Option("--kind", help="Type, pour une adresse")] = "rss",
) -> None:
    """Lit une source maintenant et montre son contenu, sans rien garder ni envoyer."""
    from notifications.source_store import check_source

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


# --- announcements and messages ------------------------------------------------------------


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


# --- subscribers ---------------------------------------------------------------------------


@subscribers_app.command("add")
def subscribers_add(
    channel: Annotated[str, typer.Option(help="telegram, email, webpush ou apprise")],
    address: Annotated[
        str, typer.Option(help="Identifiant de conversation, e-mail, abonnement JSON ou URL")
    ],
    topic: Annotated[list[str], typer.Option("--topic", help="Thème (plusieurs ; « tout »)")],
    consent: Annotated[
        bool, typer.Option("--consent", help="La personne a donné son accord (obligatoire)")
    ] = False,
    quiet: Annotated[
        str | None, typer.Option(help="Heures calmes, ex. 22:00-07:00 ; « non » pour aucune")
    ] = None,
    digest: Annotated[
        str | None, typer.Option(help="Un résumé par jour à cette heure, ex. 18:00")
    ] = None,
) -> None:
    """Abonne une personne qui l'a demandé (courriel : elle confirme d'abord par un lien)."""
    from notifications.errors import InvalidInput
    from notifications.outbox import send_confirmation_request
    from notifications.subscribers import add_subscriber

    def action(hub: Hub) -> None:
        if not consent:
            raise InvalidInput("ajoutez --consent : on n'abonne personne sans son accord")
        info = add_subscriber(hub, channel, address, topic, quiet=quiet, digest_at=digest)
        typer.echo(f"Abonné n° {info.id} ({info.channel}) : {', '.join(info.topics)}.")
        if not info.confirmed:
            send_confirmation_request(hub, info.id)
            typer.echo(
                "Un courriel de confirmation va lui être envoyé ; "
                "aucune alerte ne partira avant sa confirmation."
            )

    run(action)


@subscribers_app.command("list")
def subscribers_list(channel: Annotated[str | None, typer.Option()] = None) -> None:
    """Les abonnés (leurs adresses sont des données personnelles : ne diffusez pas cette liste)."""
    from notifications.subscribers import list_subscribers

    def action(hub: Hub) -> None:
        rows = list_subscribers(hub, channel)
        if not rows:
            typer.echo("Aucun abonné.")
        for s in rows:
            state = "actif" if s.active else f"désactivé ({s.deactivated_reason})"
            if s.active and not s.confirmed:
                state = "en attente de confirmation"
            typer.echo(
                f"{s.id:>5} {s.channel:<8} {s.address[:60]:<60} {state} [{', '.join(s.topics)}]"
            )

    run(action)


def forget_chat(settings: Settings, channel: str, address: str) -> None:
    """Erase the conversation the erased subscriber had with the assistant (a Telegram chat);
    when Rasa cannot do it, say so and exit 1: the database is erased already."""
    from bot.rasa_client import RasaUnavailable, conversation_id, erase_conversation

    sender = conversation_id(channel, address)
    if sender is None:  # e-mail, Web Push…: no conversation with the assistant
        return
    try:
        asyncio.run(erase_conversation(settings, sender))
    except RasaUnavailable as error:
        from arobase.hours_text import duration_text

        idle = duration_text(settings.conversation_idle)
        raise fail(
            ArobaseError(
                f"l'abonné est effacé, mais pas sa conversation avec l'assistant ({sender}) : "
                f"{error} "
                "Pour l'effacer tout de suite, redémarrez l'assistant (Rasa) ; sinon il "
                f"l'oubliera de lui-même {idle} après son dernier message."
            )
        ) from None
    typer.echo(f"Sa conversation avec l'assistant ({sender}) est effacée aussi.")


def erase_with_conversation(subscriber_id: int, check: Callable[[], None] = lambda: None) -> None:
    """Erase a subscriber (after CHECK), then its chat's conversation held by the assistant."""
    from notifications.subscribers import erase_subscriber, get_subscriber

    def action(hub: Hub) -> tuple[int, str, str, Settings]:
        check()
        subscriber = get_subscriber(hub, subscriber_id)
        removed = erase_subscriber(hub, subscriber_id)
        return removed, subscriber.channel, subscriber.address, hub.settings

    removed, channel, address, settings = run(action)
    removed_text = count(removed, "enregistrement supprimé", "enregistrements supprimés")
    typer.echo(f"Abonné n° {subscriber_id} effacé ({removed_text}).")
    forget_chat(settings, channel, address)


@subscribers_app.command("remove")
def subscribers_remove(subscriber_id: int) -> None:
    """Désabonne entièrement une personne et efface toutes ses données, sa conversation avec
    l'assistant comprise, sans demander de confirmation (même effet que « subscribers
    erase »)."""
    erase_with_conversation(subscriber_id)


@subscribers_app.command("export")
def subscribers_export(
    subscriber_id: int,
    output: Annotated[Path | None, typer.Option(help="Fichier JSON (défaut : l'écran)")] = None,
) -> None:
    """Toutes les données gardées sur un abonné, en JSON (droit d'accès)."""
    from notifications.subscribers import export_subscriber

    data = run(lambda hub: export_subscriber(hub, subscriber_id))
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"Données de l'abonné n° {subscriber_id} écrites dans {output}.")
    else:
        typer.echo(text)


@subscribers_app.command("erase")
def subscribers_erase(
    subscriber_id: int,
    yes: Annotated[bool, typer.Option("--yes", help="Confirmer l'effacement")] = False,
) -> None:
    """Efface tout ce qui est gardé sur un abonné (droit à l'effacement), sa conversation
    avec l'assistant comprise (Telegram) ; demande --yes. Même effet que « subscribers
    remove », qui ne demande pas de confirmation."""
    from notifications.errors import InvalidInput

    def check() -> None:
        if not yes:
            raise InvalidInput("l'effacement est définitif : ajoutez --yes pour confirmer")

    erase_with_conversation(subscriber_id, check)


@subscribers_app.command("purge")
def subscribers_purge() -> None:
    """Efface les abonnés gardés au-delà des durées annoncées (page de confidentialité) :
    courriel jamais confirmé, abonné désactivé depuis longtemps. Le worker le fait aussi."""
    from notifications.subscribers import purge_expired

    purged = run(purge_expired)
    unconfirmed = count(
        purged.unconfirmed, "abonnement jamais confirmé", "abonnements jamais confirmés"
    )
    deactivated = count(purged.deactivated, "abonné désactivé", "abonnés désactivés")
    deliveries = count(purged.deliveries, "envoi", "envois")
    typer.echo(f"Effacé : {unconfirmed}, {deactivated}, {deliveries}.")


# --- deliveries ----------------------------------------------------------------------------


def print_stats(stats: list) -> None:
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


# --- web push ------------------------------------------------------------------------------


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


def register(app: typer.Typer) -> None:
    """Add the hub's commands to the `arobase` command (once)."""
    if any(group.typer_instance is db_app for group in app.registered_groups):
        return
    app.add_typer(db_app, name="db")
    app.add_typer(sources_app, name="sources")
    app.add_typer(messages_app, name="messages")
    app.add_typer(subscribers_app, name="subscribers")
    app.add_typer(deliveries_app, name="deliveries")
    app.add_typer(webpush_app, name="webpush")
    app.command("announce")(announce)
    app.command("worker")(worker)
