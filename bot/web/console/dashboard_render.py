"""The dashboard's HTML: the sending service's heartbeat and backlog, the plots (each with
its numbers in a table) and the sources with their « Lire maintenant » buttons."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo

from arobase.hours_text import counted, duration_text
from bot.web.console.announcement_render import channel_name
from bot.web.console.auth import relative
from bot.web.console.render import DASHBOARD_PATH, data_table, escape, form, message, when
from bot.web.console.svg_plot import Chart, Series, figure
from notifications import Dashboard, SourceInfo, WorkerState, failure_rate

FRONT_NAMES = {"web": "Site web", "telegram": "Telegram", "app": "Application"}
STATUS_NAMES = {"sent": "Envoyés", "failed": "Échecs"}
SOURCES_ID = "sources"


def poll_path(name: str) -> str:
    return f"{DASHBOARD_PATH}/sources/{name}/lire"


def ago(seconds: float) -> str:
    """12 → "12 secondes"; from a minute on, in minutes, hours and days."""
    if seconds < 1:
        return "moins d'une seconde"
    if seconds < 60:
        whole = int(seconds)
        return counted(whole, "seconde")
    return duration_text(seconds)


def worker_text(data: Dashboard, zone: tzinfo) -> tuple[str, bool]:
    """What the page says of the sending service, and whether that is good news."""
    live = data.worker
    age = ago(live.age or 0)
    if live.state is WorkerState.RUNNING:
        return f"Le service d'envoi fonctionne (dernier signe il y a {age}).", True
    if live.state is WorkerState.SILENT and live.since:
        return (
            f"Le service d'envoi ne répond plus depuis {age} (dernier signe le "
            f"{live.since.astimezone(zone):%d/%m/%Y à %H:%M:%S}). Les annonces et les alertes "
            "ne partent pas : prévenez la personne qui s'occupe du serveur.",
            False,
        )
    if live.state is WorkerState.STOPPED:
        return (
            f"Le service d'envoi est arrêté depuis {age}. Les annonces et les alertes ne "
            "partent pas tant qu'il n'est pas relancé (arobase worker).",
            False,
        )
    return (
        "Le service d'envoi n'a donné aucun signe depuis une journée : les annonces et les "
        "alertes ne partent pas tant qu'il n'est pas lancé (arobase worker).",
        False,
    )


def queue_text(data: Dashboard) -> str:
    queue = data.queue
    if not queue.pending:
        return "Aucun envoi en attente."
    text = f"{counted(queue.pending, 'envoi')} en attente, dont {queue.due} à faire maintenant"
    if queue.oldest_due_at is not None and queue.due:
        waited = max(0.0, (data.now - queue.oldest_due_at).total_seconds())
        text += f" ; le plus ancien attend depuis {ago(waited)}"
    return text + ". Les autres attendent leur heure (heures de tranquillité, résumé du jour)."


def worker_section(data: Dashboard, zone: tzinfo) -> str:
    text, good = worker_text(data, zone)
    css = "status is-ok" if good else "status is-error"
    mark = "✓ " if good else "⚠ "  # the meaning is in the words; the sign repeats it
    return (
        '    <h2 id="envoi">Service d\'envoi</h2>\n'
        f'    <p class="{css}"><span aria-hidden="true">{mark}</span>{escape(text)}</p>\n'
        f"    <p>{escape(queue_text(data))}</p>"
    )


def day_labels(data: Dashboard) -> tuple[str, ...]:
    return tuple(f"{day:%d/%m}" for day in data.days)


def _series(values: Mapping[str, tuple[int, ...]], names: Mapping[str, str]) -> tuple[Series, ...]:
    return tuple(Series(names.get(key, key), tuple(map(float, v))) for key, v in values.items())


def channel_names(keys: Mapping[str, object]) -> dict[str, str]:
    return {key: channel_name(key) for key in keys}


def subscriber_section(data: Dashboard, labels: Mapping[str, str]) -> str:
    per_channel = Chart(
        "abonnes",
        "Abonnés actifs par canal, chaque jour",
        "Nombre d'abonnés actifs à la fin de chaque jour des 30 derniers jours, un trait par "
        "canal. Les abonnés effacés (délai de conservation passé) n'y figurent plus.",
        day_labels(data),
        _series(data.subscribers, channel_names(data.subscribers)),
    )
    topics = {key: data.topics.get(key, 0) for key in labels}
    per_topic = Chart(
        "themes",
        "Abonnés actifs par thème, aujourd'hui",
        "Nombre d'abonnés actifs de chaque thème aujourd'hui, une barre par thème.",
        tuple(labels[key] for key in topics),
        (Series("Abonnés", tuple(float(n) for n in topics.values())),),
        category_heading="Thème",
    )
    topic_days = Chart(
        "themes-jours",
        "Abonnés actifs par thème, chaque jour",
        "Nombre d'abonnés actifs de chaque thème, compté chaque jour par le service d'envoi, "
        "un trait par thème.",
        day_labels(data),
        tuple(
            Series(labels[key], tuple(None if n is None else float(n) for n in values))
            for key, values in data.topic_days.items()
        ),
    )
    note = (
        "Par thème, le service d'envoi compte les abonnés chaque jour : les jours d'avant son "
        "premier compte restent vides."
    )
    return (
        '    <h2 id="abonnes-titre">Abonnés</h2>\n'
        f"{figure(per_channel)}\n{figure(per_topic, 'bar')}\n    <p>{escape(note)}</p>\n"
        f"{figure(topic_days)}"
    )


def delivery_section(data: Dashboard) -> str:
    per_day = Chart(
        "envois",
        "Envois réussis et échecs, par jour",
        "Pour chaque jour des 30 derniers jours, les envois réussis et les échecs des messages "
        "partis ce jour-là, tous canaux confondus.",
        day_labels(data),
        _series(dict(sorted(data.deliveries.items(), reverse=True)), STATUS_NAMES),
    )
    channels = tuple(data.finished)
    rates = tuple(failure_rate(*data.finished[c]) for c in channels)
    per_channel = Chart(
        "echecs",
        "Part des envois en échec par canal, sur 30 jours",
        "Pour chaque canal, la part des envois des 30 derniers jours qui ont échoué.",
        tuple(channel_name(c) for c in channels),
        (Series("Échecs", rates),),
        category_heading="Canal",
        percent=True,
    )
    parts = ['    <h2 id="envois-titre">Envois</h2>', figure(per_day, "bar")]
    if channels:
        parts.append(figure(per_channel, "bar"))
    else:
        parts.append("    <p>Aucun envoi terminé sur les 30 derniers jours.</p>")
    return "\n".join(parts)


def chat_section(data: Dashboard) -> str:
    chart = Chart(
        "messages",
        "Messages reçus par l'assistant, par jour",
        "Nombre de messages écrits à l'assistant chaque jour des 30 derniers jours, un trait "
        "par canal (seul le nombre est compté : ni le texte, ni l'auteur).",
        day_labels(data),
        _series(data.chats, FRONT_NAMES),
    )
    return f'    <h2 id="messages-titre">Messages reçus par l\'assistant</h2>\n{figure(chart)}'


def next_poll(info: SourceInfo, now: datetime, zone: tzinfo) -> str:
    if info.next_poll_at <= now:
        return "dans quelques secondes"
    return when(info.next_poll_at, zone)


def source_row(info: SourceInfo, csrf: str, now: datetime, zone: tzinfo) -> str:
    ok = when(info.last_ok_at, zone) if info.last_ok_at else "jamais"
    button = form(
        relative(DASHBOARD_PATH, poll_path(info.name)), csrf, [], "Lire maintenant", "inline"
    ).replace(
        "</button>", f'<span class="visually-hidden"> « {escape(info.name)} »</span></button>'
    )
    cells = [escape(info.kind), ok, escape(info.state), next_poll(info, now, zone), button.strip()]
    return (
        f'          <tr><th scope="row">{escape(info.name)}</th>'
        + "".join(f"<td>{cell}</td>" for cell in cells)
        + "</tr>"
    )


def sources_section(data: Dashboard, csrf: str, zone: tzinfo, polled: str | None) -> str:
    parts = [f'    <h2 id="{SOURCES_ID}">Sources</h2>']
    if polled:
        parts.append(
            message(f"La source « {polled} » sera lue dans quelques secondes.", error=False)
        )
    if not data.sources:
        parts.append("    <p>Aucune source n'est suivie.</p>")
        return "\n".join(parts)
    rows = "\n".join(source_row(info, csrf, data.now, zone) for info in data.sources)
    heads = ["Source", "Type", "Dernière lecture réussie", "État", "Prochaine lecture", "Action"]
    parts.append(
        data_table("sources-table", "Les sources lues par le service d'envoi", heads, rows)
    )
    return "\n".join(parts)


def dashboard_body(
    nav: str,
    csrf: str,
    data: Dashboard,
    labels: Mapping[str, str],
    zone: tzinfo,
    polled: str | None = None,
) -> str:
    """The whole page below its title; POLLED: the source just asked to be read now."""
    period = (
        f"    <p>Les 30 derniers jours, du {data.days[0]:%d/%m/%Y} au {data.days[-1]:%d/%m/%Y} "
        f"(chiffres au {when(data.now, zone)}). Sous chaque graphique, « Les chiffres » ouvre "
        "le tableau de ses valeurs.</p>"
    )
    return "\n".join(
        [
            nav,
            period,
            worker_section(data, zone),
            subscriber_section(data, labels),
            delivery_section(data),
            chat_section(data),
            sources_section(data, csrf, zone, polled),
        ]
    )
