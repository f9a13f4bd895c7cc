"""What the Telegram bot says by itself (commands, confirmations): plain French, vouvoiement.

Pure functions of the town content and the subscriber's data; the assistant's answers come
from Rasa.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from arobase.alert_hours import alert_hours, quiet_hours
from arobase.replies import apology as apology  # the fallbacks, the same as the web chat's
from arobase.replies import hall_phone
from arobase.replies import no_answer as no_answer
from arobase.town import Town
from notifications import DEFAULT_QUIET_HOURS, SubscriberInfo

# Registered with setMyCommands: the menu residents see next to the text field.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Présentation de l'assistant"),
    ("aide", "Ce que l'assistant sait faire"),
    ("alertes", "Choisir les alertes à recevoir"),
    ("quartier", "Recevoir seulement les alertes de votre quartier"),
    ("stop", "Arrêter toutes les alertes"),
    ("mesdonnees", "Voir les données gardées sur vous"),
    ("supprimer", "Effacer toutes vos données"),
)
CHECKED = "✅"
LATEST_ALERTS = 10  # alerts listed by /mesdonnees; the count says how many there are in all
TITLE_CHARACTERS = 120  # an alert's title longer than that is cut in the list


@dataclass(frozen=True)
class ReceivedAlerts:
    """The alerts a chat received: how many in all, and the latest (sent at, title)."""

    total: int
    latest: tuple[tuple[datetime, str], ...]  # newest first


def welcome(town: Town, privacy_url: str) -> str:
    return (
        f"Bonjour ! Je suis l'assistant de la mairie de {town.commune.name}. Posez-moi vos "
        "questions en quelques mots : horaires des services, démarches (carte d'identité, "
        "état civil, urbanisme…), adresses et téléphones.\n\n"
        "Vous pouvez aussi recevoir ici les alertes de la commune (travaux, écoles, conseil "
        "municipal, alertes urgentes…) : /alertes.\n\n"
        "Vos données : pour vous envoyer les alertes, nous gardons le numéro de cette "
        "conversation et les thèmes choisis, entre autres (la liste complète est sur la page "
        f"Confidentialité : {privacy_url}).\n"
        "/mesdonnees pour les voir, /supprimer pour tout effacer."
    )


def help_text(town: Town) -> str:
    return (
        "Je peux :\n"
        "- vous donner les horaires d'un service (« La mairie est ouverte samedi ? ») ;\n"
        "- vous expliquer une démarche (« Comment refaire ma carte d'identité ? ») ;\n"
        "- vous donner l'adresse, le téléphone ou le courriel d'un service ;\n"
        "- vous envoyer les alertes de la commune.\n\n"
        "Commandes :\n"
        + "\n".join(f"/{name} : {about}" for name, about in COMMANDS)
        + f"\n\nPour parler à une personne, appelez {hall_phone(town)}."
    )


def alerts_intro(subscribed: Sequence[str], quiet: str | None = DEFAULT_QUIET_HOURS) -> str:
    """The /alertes menu's text; QUIET: the chat's quiet hours ("22:00-07:00", None: none),
    the default ones for a chat that subscribes for the first time."""
    if not subscribed:
        state = "Vous ne recevez aucune alerte pour le moment."
    elif len(subscribed) == 1:
        state = f"Vous êtes abonné(e) à 1 thème, marqué {CHECKED}."
    else:
        state = f"Vous êtes abonné(e) à {len(subscribed)} thèmes, marqués {CHECKED}."
    return f"{state} Touchez un thème pour l'ajouter ou le retirer. {alert_hours(quiet)}"


def topic_button(label: str, subscribed: bool) -> str:
    return f"{CHECKED} {label}" if subscribed else label


def toggled(label: str, subscribed: bool) -> str:
    """The short notice shown after a tap (answerCallbackQuery: 200 characters at most)."""
    if subscribed:
        return f"Vous recevrez désormais les alertes « {label} »."
    return f"Vous ne recevrez plus les alertes « {label} »."


ALL_AREAS = "Toute la commune"  # the button that clears a chat's area
NO_AREAS = (
    "La commune n'envoie pas d'alertes par quartier : vous recevez toutes les alertes des "
    "thèmes choisis."
)
AREA_CLEARED = "C'est noté : vous recevrez de nouveau les alertes de tous les quartiers."


def _area_names(town: Town, subscriber: SubscriberInfo) -> list[str]:
    """The names of the areas SUBSCRIBER chose (none: every area)."""
    return [town.areas[key].name for key in subscriber.areas if key in town.areas]


def _street_example(town: Town) -> str:
    """A street of the town file, as a resident would type it after /quartier."""
    streets = [street for area in town.areas.values() for street in area.streets]
    return f"/quartier {streets[0]}" if streets else "/quartier rue de la Mairie"


def area_state(town: Town, subscriber: SubscriberInfo | None) -> str:
    """/quartier alone: which areas' alerts the chat receives, and how to choose by street."""
    how = (
        "Pour ne recevoir que les alertes de votre quartier (et celles de toute la commune), "
        f"écrivez /quartier suivi de votre rue, par exemple : {_street_example(town)}"
    )
    if subscriber is None:
        return f"Abonnez-vous d'abord à des alertes avec /alertes. {how}"
    names = _area_names(town, subscriber)
    if not names:
        return f"Vous recevez les alertes de tous les quartiers. {how}"
    return (
        f"Vous recevez les alertes de toute la commune et celles du quartier "
        f"« {', '.join(names)} », "
        "pas celles des autres quartiers. Pour changer, écrivez /quartier suivi de votre rue."
    )


def area_chosen(town: Town, subscriber: SubscriberInfo) -> str:
    """After /quartier <street>: what the chat receives now."""
    names = _area_names(town, subscriber)
    return (
        f"C'est noté : vous recevrez les alertes de toute la commune et celles du quartier "
        f"« {', '.join(names)} » ; vous ne recevrez plus celles des autres quartiers. Pour "
        f"tout recevoir de nouveau : /quartier, puis « {ALL_AREAS} »."
    )


def area_not_subscribed(town: Town) -> str:
    return (
        "Vous ne recevez encore aucune alerte : choisissez d'abord vos thèmes avec /alertes, "
        f"puis indiquez votre rue, par exemple : {_street_example(town)}"
    )


def unknown_street(town: Town, street: str) -> str:
    """A street the town file does not list: how to write it, and whom to call."""
    return (
        f"Je ne trouve pas « {street} » dans la liste des rues de {town.commune.name}. "
        "Vérifiez l'orthographe, ou écrivez seulement le nom de la rue, par exemple : "
        f"{_street_example(town)}. En cas de doute, appelez {hall_phone(town)}."
    )


STOP_QUESTION = (
    "Voulez-vous arrêter toutes les alertes ? Votre abonnement sera effacé ; vous pourrez "
    "vous réabonner quand vous voulez avec /alertes."
)
STOP_DONE = "C'est fait : vous ne recevrez plus aucune alerte. Votre abonnement est effacé."
STOP_NOTHING = "Vous ne recevez aucune alerte."
DELETE_QUESTION = (
    "Voulez-vous effacer toutes les données gardées sur cette conversation ? Votre abonnement "
    "aux alertes et l'historique de la conversation avec l'assistant seront effacés."
)
DELETE_DONE = "C'est fait : toutes vos données sont effacées."
CANCELLED = "D'accord, rien n'a changé."
YES_STOP, YES_DELETE, NO = "Oui, tout arrêter", "Oui, tout effacer", "Non"
EXPIRED_BUTTON = "Ce bouton n'est plus valable. Posez à nouveau votre question, s'il vous plaît."
ADMINS_ONLY = (
    "Dans un groupe, seuls ses administrateurs peuvent arrêter les alertes ou effacer les "
    "données. Demandez à l'un d'eux, s'il vous plaît."
)
# The notice shown to the one who tapped (answerCallbackQuery: 200 characters at most).
ADMINS_ONLY_TAP = "Seuls les administrateurs du groupe peuvent faire ce choix."
SLOW_DOWN = (
    "Vous m'envoyez beaucoup de messages : patientez une minute, puis reposez votre "
    "question. Merci !"
)
NOT_TEXT = (
    "Je ne sais lire que les messages écrits : je ne peux pas ouvrir les photos, messages "
    "vocaux, autocollants ou positions. Écrivez-moi votre question, par exemple « La mairie "
    "est ouverte samedi ? »."
)


def delete_partly(town: Town) -> str:
    """/supprimer when Rasa could not forget the conversation (the alerts data is gone)."""
    return (
        "Vos données d'alertes sont effacées. En revanche, l'historique de votre conversation "
        "avec l'assistant n'a pas pu être effacé pour le moment. Réessayez /supprimer dans "
        f"quelques minutes, ou appelez {hall_phone(town)}."
    )


def _day(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d/%m/%Y à %H:%M")


def _title(title: str) -> str:
    title = " ".join(title.split())
    if len(title) <= TITLE_CHARACTERS:
        return title
    return title[: TITLE_CHARACTERS - 1].rstrip() + "…"


def received_alerts(received: ReceivedAlerts, town: Town, zone: ZoneInfo) -> str:
    """The alerts received, for /mesdonnees: the latest with their date, and how many in all."""
    if not received.total:
        return "Alertes reçues ici : aucune pour le moment."
    shown = len(received.latest)
    if received.total == 1:
        heading = "L'alerte reçue ici :"
    elif shown == received.total:
        heading = f"Les {shown} alertes reçues ici, de la plus récente à la plus ancienne :"
    elif shown == 1:
        heading = f"La dernière des {received.total} alertes reçues ici :"
    else:
        heading = f"Les {shown} dernières des {received.total} alertes reçues ici :"
    lines = [f"- {_day(sent, zone)} : {_title(title)}" for sent, title in received.latest]
    text = "\n".join([heading, *lines])
    if shown < received.total:
        text += f"\nPour recevoir la liste complète, appelez {hall_phone(town)}."
    return text


def my_data(
    chat_id: int,
    subscriber: SubscriberInfo | None,
    received: ReceivedAlerts,
    town: Town,
    zone: ZoneInfo,
) -> str:
    conversation = (
        "Vos messages à l'assistant : seuls les derniers sont gardés en mémoire, le temps de "
        "la conversation (ils disparaissent au redémarrage de l'assistant), jamais "
        "communiqués à des tiers."
    )
    if subscriber is None:
        return (
            "Vous n'êtes abonné(e) à aucune alerte : nous ne gardons donc rien pour les "
            f"alertes sur cette conversation (n° {chat_id}).\n\n{conversation}"
        )
    labels = [town.topics[t].label for t in subscriber.topics if t in town.topics]
    state = (
        "actif"
        if subscriber.active
        else "suspendu, car Telegram nous empêchait de vous écrire (/alertes pour le reprendre)"
    )
    quiet = quiet_hours(subscriber.quiet)
    area = f"- quartier : {', '.join(_area_names(town, subscriber)) or 'tous'}\n"
    area = area if town.areas else ""
    return (
        "Données gardées sur cette conversation :\n"
        f"- numéro de conversation Telegram : {chat_id}\n"
        f"- alertes : {', '.join(labels) or 'aucun thème'}\n"
        f"{area}"
        f"- accord donné le {_day(subscriber.consent_at, zone)}\n"
        f"- heures calmes : {quiet}\n"
        f"- abonnement : {state}\n\n"
        f"{received_alerts(received, town, zone)}\n\n"
        f"{conversation}\n\n/supprimer pour tout effacer."
    )
