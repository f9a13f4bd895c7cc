"""The town's topics in the alerts' pages and answers: in the town file's order, as large
checkboxes on /alertes, as the list of a subscription's topics."""

from __future__ import annotations

import html
from collections.abc import Collection

from arobase.town import Town
from bot.web.common import render_page
from bot.web.street_choice import street_field


def topics_in_town_order(town: Town, topics: tuple[str, ...] | list[str]) -> list[str]:
    """The topic keys in the order of the town file (unknown ones last, as they came)."""
    known = [key for key in town.topics if key in topics]
    return known + [key for key in topics if key not in town.topics]


def topic_label(town: Town, key: str) -> str:
    topic = town.topics.get(key)
    return topic.label if topic else key


def topic_list(town: Town, topics: tuple[str, ...]) -> str:
    """The topics chosen, as a list in a page's body."""
    items = "".join(
        f"\n      <li>{html.escape(topic_label(town, key), quote=False)}</li>"
        for key in topics_in_town_order(town, topics)
    )
    return f'    <ul class="chosen">{items}\n    </ul>'


def topic_checkboxes(town: Town, chosen: Collection[str] = ()) -> str:
    """The topics as large checkboxes, those CHOSEN ticked; the whole row is the label, the
    description apart."""
    rows = []
    for key, topic in town.topics.items():
        ident = html.escape(f"theme-{key}", quote=True)
        value = html.escape(key, quote=True)
        label = html.escape(topic.label)
        described = ""
        description = ""
        if topic.description:
            described = f' aria-describedby="{ident}-desc"'
            description = (
                f'\n          <span id="{ident}-desc" class="topic-desc">'
                f"{html.escape(topic.description)}</span>"
            )
        ticked = " checked" if key in chosen else ""
        rows.append(
            f'      <li>\n        <label class="topic" for="{ident}">\n'
            f'          <input type="checkbox" id="{ident}" name="topics" value="{value}"'
            f' aria-labelledby="{ident}-label"{described}{ticked}>\n'
            f'          <span class="topic-text">\n'
            f'          <span id="{ident}-label" class="topic-label">{label}</span>'
            f"{description}\n          </span>\n        </label>\n      </li>"
        )
    return "\n".join(rows)


def render_alerts_page(template: str, town: Town) -> str:
    """The /alertes page: the topics' checkboxes, the street field, then the town's details."""
    filled = template.replace("{{topics}}", topic_checkboxes(town))
    return render_page(filled.replace("{{street}}", street_field(town, "")), town)
