"""GET /confidentialite: the privacy notice residents are pointed to (chat, alerts, Telegram)."""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from arobase.town import Town
from bot.web.alerts import alerts_context, notice_page, paragraphs


def section(title: str, *texts: str) -> str:
    return f"    <h2>{html.escape(title, quote=False)}</h2>\n{paragraphs(*texts)}"


def privacy_body(town: Town) -> str:
    hall = town.main_service
    return "\n".join(
        [
            section(
                "Qui est responsable ?",
                f"La commune de {town.commune.name}. Pour toute question ou demande sur vos "
                f"données : {hall.name}, {hall.address}, {hall.phone}, {hall.email}.",
            ),
            section(
                "L'assistant (site web et Telegram)",
                "Vos questions à l'assistant servent seulement à vous répondre. Seuls vos "
                "derniers échanges sont gardés en mémoire, le temps de la conversation ; ils "
                "disparaissent au redémarrage de l'assistant et ne sont jamais enregistrés sur "
                "disque ni communiqués à des tiers. Sur le site, un cookie technique relie vos "
                "messages d'une même conversation ; il ne sert à rien d'autre.",
            ),
            section(
                "Les alertes",
                "Si vous vous abonnez, nous gardons : l'adresse où vous envoyer les alertes "
                "(numéro de conversation Telegram, adresse e-mail, ou adresse technique de votre "
                "appareil), les thèmes choisis, la date de votre accord, vos heures calmes, et "
                "la liste des alertes envoyées. Rien d'autre : ni nom, ni téléphone.",
                "Ces données sont gardées tant que vous êtes abonné(e), puis effacées. Les "
                "alertes passent par le service que vous avez choisi (Telegram, votre "
                "messagerie, le service de notification de votre navigateur).",
            ),
            section(
                "Vos droits",
                "Sur Telegram : /mesdonnees pour voir ce que nous gardons, /supprimer pour tout "
                "effacer. Par courriel : le lien « Se désabonner » en bas de chaque message "
                "efface tout. Sur votre appareil : la page Alertes, bouton « Ne plus recevoir les "
                "alertes sur cet appareil ». Vous pouvez aussi écrire à "
                f"{hall.email} pour obtenir ou effacer vos données.",
            ),
        ]
    )


async def privacy_page(request: Request) -> Response:
    town = alerts_context(request).town
    page = notice_page(town, "Vos données personnelles", privacy_body(town), to_root="")
    return HTMLResponse(page, headers={"cache-control": "no-cache"})


def privacy_routes() -> list[Route]:
    return [Route("/confidentialite", privacy_page, methods=["GET"])]
