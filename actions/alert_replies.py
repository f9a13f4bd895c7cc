"""The assistant's French replies about alerts and news: pure functions over plain data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from arobase.alert_hours import alert_hours
from arobase.hours_text import format_date, format_time
from arobase.replies import Answer, Choice, intent_payload
from arobase.town import Town
from notifications import NewsItem, alerts_url, quoted_labels

ALL_TOPICS = "tout"


def labels(town: Town, topics: Sequence[str]) -> str:
    """'« Travaux »' or '« Travaux » et « Écoles »'."""
    return quoted_labels(town.topics[t].label for t in topics if t in town.topics)


def topic_choices(town: Town, intent: str, with_all: bool = True) -> tuple[Choice, ...]:
    choices = [Choice(t.label, intent_payload(intent, topic=t.key)) for t in town.topics.values()]
    if with_all:
        choices.append(Choice("Tous les thèmes", intent_payload(intent, topic=ALL_TOPICS)))
    return tuple(choices)


def ask_topic_to_subscribe(town: Town) -> Answer:
    return Answer(
        "Sur quel thème souhaitez-vous recevoir des alertes ? Vous pourrez en choisir d'autres "
        "ensuite.",
        topic_choices(town, "subscribe"),
    )


def subscribed(
    town: Town, added: Sequence[str], now_held: Sequence[str], quiet: str | None
) -> Answer:
    """What a chat subscribing was given; QUIET: its quiet hours ("22:00-07:00", or None)."""
    if not added:
        text = f"Vous recevez déjà ici les alertes {labels(town, now_held)}."
    else:
        text = f"C'est fait : vous recevrez ici les alertes {labels(town, added)}."
    return Answer(
        f"{text} {alert_hours(quiet)} Pour choisir vos thèmes : /alertes. "
        "Pour tout arrêter : /stop."
    )


def unsubscribed(town: Town, removed: Sequence[str], everything: bool) -> Answer:
    if not removed and everything:
        return Answer("Vous n'étiez abonné(e) à aucune alerte : rien à changer.")
    if not removed:
        return Answer("Vous n'étiez abonné(e) à aucune alerte sur ce thème : rien à changer.")
    if everything:
        return Answer(
            "C'est fait : vous ne recevrez plus aucune alerte. Nous avons effacé votre "
            "abonnement. Vous pouvez vous réabonner quand vous voulez."
        )
    return Answer(f"C'est fait : vous ne recevrez plus les alertes {labels(town, removed)}.")


def alerts_in_a_group() -> Answer:
    """In a Telegram group, anyone may write to the assistant: alerts change by the menu only."""
    return Answer(
        "Dans un groupe, les alertes se règlent avec la commande /alertes, réservée aux "
        "administrateurs du groupe. Pour vos propres alertes, écrivez-moi en message privé."
    )


def alerts_elsewhere(town: Town, public_url: str, intent: str) -> Answer:
    """On the website, the chat cannot hold a subscription: say where to subscribe."""
    page = alerts_url(public_url)
    if intent == "unsubscribe":
        text = (
            "Pour ne plus recevoir d'alertes : sur Telegram, écrivez /stop au robot de la "
            "commune ; par courriel, cliquez sur « Se désabonner » en bas du message ; sur "
            f"votre téléphone ou ordinateur, ouvrez {page}."
        )
    else:
        text = (
            f"Vous pouvez recevoir les alertes de {town.commune.name} (travaux, écoles, "
            "conseil municipal, événements, alertes urgentes…) : sur ce téléphone ou cet "
            f"ordinateur, en ouvrant {page}, ou sur Telegram, en écrivant au "
            "robot de la commune. Vous choisissez vos thèmes et pouvez arrêter à tout moment."
        )
    hall = town.main_service
    return Answer(f"{text}\nPour vous abonner par courriel, contactez {hall.short} : {hall.email}.")


def french_day(moment: datetime, zone: ZoneInfo) -> str:
    """'le mardi 1er décembre à 20h30', in ZONE."""
    local = moment.astimezone(zone)
    return f"le {format_date(local.date())} à {format_time(local)}"


def news_answer(
    town: Town,
    topic: str | None,
    items: Sequence[NewsItem],
    meetings: Sequence[NewsItem],
    zone: ZoneInfo,
) -> Answer:
    """The latest items (and the next council meetings), each with its link."""
    about = f" sur le thème {labels(town, [topic])}" if topic else ""
    parts: list[str] = []
    if meetings:
        lines = [f"- {m.title}, {french_day(m.published, zone)}" for m in meetings if m.published]
        heading = (
            "Prochains conseils municipaux" if len(lines) > 1 else "Prochain conseil municipal"
        )
        parts.append(f"{heading} :\n" + "\n".join(lines))
    if items:
        lines = [f"- {i.title}" + (f"\n  {i.link}" if i.link else "") for i in items]
        parts.append(f"Les dernières nouvelles{about} :\n" + "\n".join(lines))
    if not parts:
        website = f" Consultez le site : {town.commune.website}" if town.commune.website else ""
        parts.append(f"Je n'ai pas encore de nouvelles{about}.{website}")
    return Answer(
        "\n\n".join(parts),
        (Choice("Recevoir ces alertes", intent_payload("subscribe", topic=topic or ALL_TOPICS)),),
    )
