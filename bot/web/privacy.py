"""GET /confidentialite: the privacy notice residents are pointed to (chat, alerts, Telegram).

The periods it states are read from the settings that enforce them: what it says is done.
"""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from arobase.hours_text import days_text, duration_text
from arobase.settings import Settings
from arobase.town import Town
from bot.web.alerts import alerts_context
from bot.web.frame import notice_page, paragraphs
from notifications import PRIVACY_PATH, VOTE_WINDOW


def section(title: str, *texts: str) -> str:
    return f"    <h2>{html.escape(title, quote=False)}</h2>\n{paragraphs(*texts)}"


def questions_section(settings: Settings) -> str:
    """What is kept of the questions asked to the assistant (notifications/questions.py)."""
    window = duration_text(VOTE_WINDOW.total_seconds())
    return section(
        "Les questions posées à l'assistant",
        "Pour améliorer l'assistant, nous gardons le texte des questions que vous lui écrivez, "
        "sans jamais garder qui les a posées : ni numéro de conversation, ni cookie, ni "
        "adresse IP. Avant d'enregistrer une question, nous masquons les numéros de "
        "téléphone, les adresses e-mail et tout autre long numéro qu'elle contient.",
        "Sous chaque réponse, vous pouvez dire si elle vous a aidé (👍 ou 👎). Votre avis est "
        "gardé avec la question, jamais avec vous.",
        f"Une question à laquelle l'assistant a répondu est effacée au bout de {window}, "
        "quand l'avis n'est plus possible, sauf si la réponse a reçu un 👎.",
        "Les questions que l'assistant n'a pas comprises, celles où il n'était pas sûr de "
        "sa réponse, celles hors de son domaine et celles dont la réponse a reçu un 👎 sont "
        f"gardées {days_text(settings.question_retention_days)}, puis effacées : le "
        "personnel de la mairie les relit pour compléter les réponses de l'assistant.",
    )


def handoff_section(settings: Settings) -> str:
    """What is kept of a conversation handed over to an agent (notifications/handoffs.py)."""
    return section(
        "Parler à un agent de la mairie",
        "Une exception : si vous demandez à parler à une personne, nous enregistrons votre "
        "demande, vos derniers échanges avec l'assistant (dix messages au plus) et les "
        "messages que vous échangez ensuite avec l'agent, avec le numéro de la conversation "
        "(Telegram) ou le cookie du site qui la relie, pour que l'agent vous réponde au bon "
        "endroit. Seuls les agents de la mairie les lisent.",
        f"Ils sont effacés {days_text(settings.handoff_retention_days)} après que l'agent a "
        "terminé la conversation. Pour les effacer plus tôt, demandez-le à la mairie.",
    )


def privacy_body(town: Town, settings: Settings) -> str:
    hall = town.main_service
    forgotten = duration_text(settings.conversation_idle)
    kept = f"{settings.conversation_max:,}".replace(",", "\u00a0")  # 5 000, in French
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
                "derniers échanges sont gardés en mémoire, le temps de la conversation : "
                f"l'assistant les oublie {forgotten} après votre dernier message (ou à son "
                "redémarrage). La conversation n'est jamais enregistrée sur disque ni "
                "communiquée à des tiers ; seules certaines questions sont gardées, sans "
                "savoir qui les a posées, et une conversation confiée à un agent de la mairie "
                "est gardée pour lui (voir plus bas). "
                "Sur le site, un cookie technique relie vos messages d'une même "
                "conversation ; il ne sert à rien d'autre.",
                f"Quand l'assistant garde déjà {kept} conversations, il oublie d'abord les "
                "plus anciennes.",
                "Pour éviter les abus, l'adresse IP de votre appareil et ce cookie servent aussi "
                "à compter vos messages sur une courte durée ; ce décompte reste en mémoire, "
                "n'est jamais enregistré et s'efface de lui-même.",
                "Pour suivre l'usage de l'assistant, nous comptons combien de messages il reçoit "
                "chaque jour, sans leur texte ni leur auteur.",
            ),
            questions_section(settings),
            handoff_section(settings),
            section(
                "Les alertes",
                "Si vous vous abonnez, nous gardons : l'adresse où vous envoyer les alertes "
                "(numéro de conversation Telegram, adresse e-mail, numéro de portable pour les "
                "SMS, ou adresse technique de votre appareil), les thèmes choisis, le secteur de "
                "la commune de votre rue si vous l'avez indiquée (pas la rue elle-même), la "
                "date de votre accord, vos heures calmes, et la liste des alertes envoyées. "
                "Rien d'autre : ni nom, ni adresse postale.",
                "Si un agent de la mairie vous inscrit au guichet, nous notons aussi qui l'a "
                "fait et comment vous avez donné votre accord (à l'oral, sur un formulaire "
                "papier…). Par e-mail, vous recevez un message pour confirmer : rien ne part "
                "avant. Par SMS, c'est l'agent qui enregistre l'accord que vous lui donnez.",
                "Ces données sont gardées tant que vous êtes abonné(e), puis effacées. Les "
                "alertes passent par le service que vous avez choisi (Telegram, votre "
                "messagerie, l'opérateur SMS de la mairie, le service de notification de votre "
                "navigateur).",
                "Sur la page Alertes, l'adresse IP de votre appareil sert aussi à compter vos "
                "demandes sur une courte durée, pour éviter les abus ; ce décompte reste en "
                "mémoire et s'efface de lui-même.",
                "Par e-mail, le lien de confirmation que nous vous envoyons est valable "
                f"{days_text(settings.confirm_days)} : sans confirmation dans ce délai, nous "
                "effaçons votre adresse.",
                "Si le service que vous avez choisi ne peut plus vous joindre (bot bloqué, "
                "adresse e-mail fermée, appareil désabonné), nous arrêtons les envois et "
                f"effaçons vos données {days_text(settings.deactivated_days)} plus tard.",
            ),
            section(
                "Vos droits",
                "Sur Telegram : /mesdonnees pour voir ce que nous gardons, /supprimer pour tout "
                "effacer. Par e-mail : le lien « Se désabonner » en bas de chaque message "
                "efface tout. Par SMS : le lien « Stop » à la fin de chaque SMS. Sur votre "
                "appareil : la page Alertes, bouton « Ne plus recevoir les alertes sur cet "
                "appareil ». Vous pouvez aussi écrire à "
                f"{hall.email} pour obtenir ou effacer vos données, ou le demander à "
                "l'accueil de la mairie.",
            ),
        ]
    )


async def privacy_page(request: Request) -> Response:
    alerts = alerts_context(request)
    body = privacy_body(alerts.town, alerts.settings)
    page = notice_page(alerts.town, "Vos données personnelles", body, to_root="")
    return HTMLResponse(page, headers={"cache-control": "no-cache"})


def privacy_routes() -> list[Route]:
    return [Route(PRIVACY_PATH, privacy_page, methods=["GET"])]
