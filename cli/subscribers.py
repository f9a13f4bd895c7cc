"""`arobase subscribers`: the people who receive alerts, and their rights (access, erasure).
Command docstrings are the help staff read, hence in French."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from arobase.errors import ArobaseError
from arobase.settings import Settings
from cli.common import count, fail, run
from notifications.consent import Consent, ConsentWay, SubscriberAction, subscriber_detail
from notifications.errors import InvalidInput
from notifications.hub import Hub

subscribers_app = typer.Typer(
    help="Abonnés aux alertes (données personnelles).", no_args_is_help=True
)


@subscribers_app.command("add")
def subscribers_add(
    channel: Annotated[str, typer.Option(help="telegram, email, webpush, sms ou apprise")],
    address: Annotated[
        str,
        typer.Option(
            help="Identifiant de conversation, e-mail, abonnement JSON, numéro de portable ou URL"
        ),
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
    how: Annotated[
        ConsentWay, typer.Option(help="Comment la personne a donné son accord")
    ] = ConsentWay.COMMAND,
    by: Annotated[
        str | None, typer.Option(help="Qui a recueilli son accord (votre e-mail) ; défaut : cli")
    ] = None,
    street: Annotated[
        str | None, typer.Option(help="Sa rue : les alertes de son secteur seulement")
    ] = None,
) -> None:
    """Abonne une personne qui l'a demandé (courriel : elle confirme d'abord par un lien) ;
    l'accord est enregistré avec sa provenance (--how, --by)."""
    from notifications.areas import area_of
    from notifications.staff import CLI_ACTOR, audit
    from notifications.subscribers import already_subscribed, subscribe

    def action(hub: Hub) -> None:
        if not consent:
            raise InvalidInput("ajoutez --consent : on n'abonne personne sans son accord")
        provenance = Consent(by or CLI_ACTOR, how)
        areas = (area_of(hub, street),) if street else ()
        info, created = subscribe(
            hub, channel, address, topic, quiet=quiet, digest_at=digest, consent=provenance,
            areas=areas,
        )  # fmt: skip
        if not created:
            raise already_subscribed(info)
        audit(hub, CLI_ACTOR, SubscriberAction.ENROLLED, subscriber_detail(info))
        typer.echo(f"Abonné n° {info.id} ({info.channel}) : {', '.join(info.topics)}.")
        if not info.confirmed:  # its request to confirm is queued
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
    from arobase.hours_text import duration_text
    from arobase.senders import conversation_id
    from bot.rasa_client import RasaUnavailable, erase_conversation

    sender = conversation_id(channel, address)
    if sender is None:  # e-mail, Web Push…: no conversation with the assistant
        return
    try:
        asyncio.run(erase_conversation(settings, sender))
    except RasaUnavailable as error:
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
    from notifications.staff import CLI_ACTOR, audit
    from notifications.subscribers import erase_subscriber, get_subscriber

    def action(hub: Hub) -> tuple[int, str, str, Settings]:
        check()
        subscriber = get_subscriber(hub, subscriber_id)
        removed = erase_subscriber(hub, subscriber_id)
        audit(hub, CLI_ACTOR, SubscriberAction.ERASED, subscriber_detail(subscriber))
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
    from notifications.staff import CLI_ACTOR, audit
    from notifications.subscribers import export_subscriber, get_subscriber

    def action(hub: Hub) -> dict[str, Any]:
        data = export_subscriber(hub, subscriber_id)
        detail = subscriber_detail(get_subscriber(hub, subscriber_id))
        audit(hub, CLI_ACTOR, SubscriberAction.EXPORTED, detail)
        return data

    data = run(action)
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
