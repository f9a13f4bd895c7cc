"""The web chat: a page for residents and its JSON API in front of Rasa."""

from bot.web.app import create_app

__all__ = ["create_app"]
