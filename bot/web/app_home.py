"""The town app (an installable web app):

- `GET /app`: its home: the town's latest messages (urgent alerts first; `?sujet=<topic>`:
  those of one topic, an unknown one a 404 page), today's hours of every service, the way to
  the assistant and to the alerts' settings. The news comes from the hub; without its
  database the page still gives the hours and says the news is away;
- `GET /manifest.webmanifest`: what makes it installable (French name, standalone, icons);
- the service worker (`/sw.js`) keeps the page and its style sheets for reading offline.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from arobase.hours import calendar_for
from arobase.hours_text import describe_day, format_date, format_time
from arobase.town import Town
from bot.web.alerts.state import Unavailable, alerts_context
from bot.web.alerts.topics import topic_label
from bot.web.common import STATIC_DIR, commune_with_de, render_page
from bot.web.frame import notice_page, paragraphs
from notifications import MessageInfo, assistant_clock, quoted_labels, town_news

APP_PATH = "/app"
MANIFEST_PATH = "/manifest.webmanifest"
THEME = "#0b3d91"  # chat.css's --brand
NO_NEWS = "Aucune nouvelle ces trente derniers jours."
NO_TOPIC_NEWS = "Aucune nouvelle sur ce sujet ces trente derniers jours."
NEWS_TITLE = "Les dernières nouvelles"
TOPIC_PARAMETER = "sujet"
UNKNOWN_TOPIC = "Ce sujet n'existe pas dans l'application de la mairie."
NEWS_AWAY = "Les nouvelles ne sont pas disponibles pour le moment. Réessayez plus tard."


def text(words: str) -> str:
    """WORDS escaped for an element's content (quotes stay as they are)."""
    return html.escape(words, quote=False)


def manifest(town: Town) -> dict[str, object]:
    """The web app manifest: relative URLs, so that the app may sit under a path prefix."""
    name = town.commune.name
    icons: list[dict[str, str]] = [
        {"src": f"static/app-icon-{side}.png", "sizes": f"{side}x{side}", "type": "image/png"}
        for side in (192, 512)
    ]
    # The drawing keeps to the middle 60 %: the 512 px icon serves as a maskable one too.
    icons.append({**icons[1], "purpose": "maskable"})
    return {
        "name": f"Mairie {commune_with_de(name)}",
        "short_name": name[:12],
        "description": "Les nouvelles, les horaires et les démarches de la mairie.",
        "lang": "fr",
        "dir": "ltr",
        "start_url": "app",
        "scope": "./",
        "id": "app",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME,
        "icons": icons,
    }


def news_item(town: Town, message: MessageInfo) -> str:
    """One message: headline (« Urgent : » said in words), text, date, topics, link."""
    mark = "Urgent : " if message.urgent else ""
    lines = [f"          <h3>{text(mark + message.title)}</h3>"]
    if message.body:
        lines.append(f"          <p>{text(message.body)}</p>")
    if message.released_at is not None:
        local = message.released_at.astimezone(town.commune.zone)
        when = f"Publié le {format_date(local.date())} à {format_time(local)}"
        lines.append(f'          <p class="when">{text(when)}</p>')
    if message.topics:
        labels = quoted_labels(topic_label(town, key) for key in message.topics)
        lines.append(f'          <p class="topics">Sujets : {text(labels)}</p>')
    if message.link and message.link.startswith(("https://", "http://")):
        href = html.escape(message.link, quote=True)
        lines.append(f'          <p><a href="{href}">En savoir plus</a></p>')
    opening = '        <li class="urgent">' if message.urgent else "        <li>"
    return "\n".join([opening, *lines, "        </li>"])


def news_html(town: Town, news: Sequence[MessageInfo], topic: str | None = None) -> str:
    """The messages (of TOPIC when given) as a list, or a sentence when there is none."""
    if not news:
        return f"      <p>{text(NO_TOPIC_NEWS if topic else NO_NEWS)}</p>"
    items = "\n".join(news_item(town, message) for message in news)
    return f'      <ul class="news">\n{items}\n      </ul>'


def topic_filter(town: Town, chosen: str | None) -> str:
    """Links to the news of each topic, and to all of it; the one shown is the current page."""
    links = [("app", "Tous les sujets", chosen is None)] + [
        (f"app?{urlencode({TOPIC_PARAMETER: key})}", topic.label, key == chosen)
        for key, topic in town.topics.items()
    ]
    current_page = ' aria-current="page"'
    items = "\n".join(
        f'          <li><a href="{html.escape(href, quote=True)}"'
        f"{current_page if current else ''}>{text(label)}</a></li>"
        for href, label, current in links
    )
    return (
        '      <nav class="topic-filter" aria-label="Nouvelles par sujet">\n'
        f"        <ul>\n{items}\n        </ul>\n      </nav>"
    )


def unknown_topic_page(town: Town) -> HTMLResponse:
    body = paragraphs(UNKNOWN_TOPIC) + '\n    <p><a href="app">Voir toutes les nouvelles</a></p>'
    page = notice_page(town, "Sujet inconnu", body, to_root="")
    return HTMLResponse(page, status_code=404, headers={"cache-control": "no-cache"})


def hours_html(town: Town, now: datetime) -> str:
    """Today's hours of each service, in the assistant's own sentences."""
    today = now.astimezone(town.commune.zone).date()
    rows = []
    for key, service in town.services.items():
        sentence = describe_day(service, calendar_for(town, key), today, None, now)
        name, said = text(service.name), text(sentence)
        rows.append(f"        <li><strong>{name}</strong> : {said}</li>")
    return '      <ul class="hours">\n' + "\n".join(rows) + "\n      </ul>"


@functools.cache
def app_template() -> str:
    return (STATIC_DIR / "app.html").read_text(encoding="utf-8")


async def app_page(request: Request) -> Response:
    """GET /app: the town app's home."""
    alerts = alerts_context(request)
    town = alerts.town
    topic = request.query_params.get(TOPIC_PARAMETER) or None
    if topic is not None and topic not in town.topics:
        return unknown_topic_page(town)
    now = assistant_clock(alerts.settings, town)()
    try:
        news = news_html(town, await alerts.run(town_news, topic), topic)
    except Unavailable:
        news = f"      <p>{text(NEWS_AWAY)}</p>"
    title = f"{NEWS_TITLE} : {town.topics[topic].label}" if topic else NEWS_TITLE
    page = render_page(app_template(), town).replace("{{hours}}", hours_html(town, now))
    page = page.replace("{{news_title}}", text(title))
    news = topic_filter(town, topic) + "\n" + news
    return HTMLResponse(page.replace("{{news}}", news), headers={"cache-control": "no-cache"})


async def manifest_endpoint(request: Request) -> Response:
    """GET /manifest.webmanifest."""
    body = json.dumps(manifest(alerts_context(request).town), ensure_ascii=False)
    return Response(body, media_type="application/manifest+json")


def app_routes() -> list[Route]:
    return [
        Route(APP_PATH, app_page, methods=["GET"]),
        Route(MANIFEST_PATH, manifest_endpoint, methods=["GET"]),
    ]
