"""A subscriber's quiet hours said in plain French, for the chat's and the Telegram bot's
replies: "de 22 h à 7 h", "les autres entre 7 h et 22 h".

A quiet-hours spec is written as the hub stores it: "22:00-07:00" (start-end), or None when
alerts may come at any hour.
"""

from __future__ import annotations


def spoken_hour(hhmm: str) -> str:
    """ "07:00" → "7 h", "21:30" → "21 h 30"."""
    hours, _, minutes = hhmm.partition(":")
    spoken = f"{int(hours)} h"
    return spoken if minutes in ("", "00") else f"{spoken} {minutes}"


def quiet_hours(spec: str | None) -> str:
    """ "22:00-07:00" → "de 22 h à 7 h"; None → "aucune"."""
    if not spec:
        return "aucune"
    start, _, end = spec.partition("-")
    return f"de {spoken_hour(start)} à {spoken_hour(end)}"


def alert_hours(spec: str | None) -> str:
    """When a subscriber with quiet hours SPEC gets alerts, as a sentence."""
    if not spec:
        return "Les alertes arrivent à toute heure."
    start, _, end = spec.partition("-")
    return (
        "Les alertes urgentes arrivent à toute heure, les autres entre "
        f"{spoken_hour(end)} et {spoken_hour(start)}."
    )
