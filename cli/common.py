"""What every command shares: a French error and exit code 1, the hub for one command, and
numbers and times written as staff read them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

import typer

from arobase.errors import ArobaseError
from notifications.hub import Hub, open_hub

T = TypeVar("T")


def fail(error: Exception) -> typer.Exit:
    """Print ERROR as a French reason; the exit (code 1) for the caller to raise."""
    typer.secho(f"Erreur : {error}", err=True, fg=typer.colors.RED)
    return typer.Exit(code=1)


@contextmanager
def opened_hub(check: bool = True) -> Iterator[Hub]:
    """The hub for one command, refused (CHECK) when `hub_problem` finds its database unfit;
    ArobaseError becomes a French message and exit code 1."""
    try:
        hub = open_hub(check=check)
    except ArobaseError as error:
        raise fail(error) from None
    try:
        yield hub
    except ArobaseError as error:
        raise fail(error) from None
    finally:
        hub.close()


def run(action: Callable[[Hub], T]) -> T:
    """ACTION on the hub, opened for it and closed after."""
    with opened_hub() as hub:
        return action(hub)


def local(moment: datetime | None, hub: Hub) -> str:
    """MOMENT in the town's time, '01/12/2026 08:00'; '-' for none."""
    return moment.astimezone(hub.zone).strftime("%d/%m/%Y %H:%M") if moment else "-"


def count(number: int, singular: str, plural: str) -> str:
    """'1 entrée', '3 entrées': French takes the singular for 0 and 1."""
    return f"{number} {singular if abs(number) < 2 else plural}"
