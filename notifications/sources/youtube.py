"""Kind "youtube": a channel's video feed; each new video gives one alert."""

from __future__ import annotations

import re
from typing import ClassVar

from notifications.errors import InvalidInput
from notifications.records import ParsedItem
from notifications.sources.rss import RssSource

FEED_URL = "https://www.youtube.com/feeds/videos.xml?channel_id={}"
_CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")
# Staff often paste the channel's page address rather than its id.
_CHANNEL_PAGE = re.compile(r"^https?://(?:www\.|m\.)?youtube\.com/channel/(UC[A-Za-z0-9_-]{22})/?$")


def youtube_feed_url(channel: str) -> str:
    """The feed address of a channel, from its id ("UC…") or its /channel/UC… page address."""
    text = channel.strip()
    if page := _CHANNEL_PAGE.match(text):
        text = page.group(1)
    if not _CHANNEL_ID.fullmatch(text):
        raise InvalidInput(
            f"identifiant de chaîne YouTube invalide « {channel} » : il commence par UC et "
            "compte 24 caractères (lettres, chiffres, - ou _). Vous le trouverez sur YouTube, "
            "dans « À propos » de la chaîne, puis « Partager la chaîne », « Copier l'ID »."
        )
    return FEED_URL.format(text)


class YouTubeSource(RssSource):
    """A channel's uploads feed (Atom); feedparser reads media:group/media:description as the
    entry's summary, so only the alert's title differs from an article's."""

    kind: ClassVar[str] = "youtube"
    default_topic: ClassVar[str] = "videos"

    def alert_title(self, item: ParsedItem) -> str:
        return f"Nouvelle vidéo : {item.title}"
