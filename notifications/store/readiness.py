"""Whether the hub's database can serve: one answer for every runtime."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from notifications.store.database import missing_sqlite_file
from notifications.store.migrate import current_revision, head_revision


def database_problem(url: str) -> str | None:
    """Why the hub's database at URL cannot serve (French, for staff and logs), or None.

    Never creates a SQLite file: an absent database means the hub is not set up here.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "AROBASE_DATABASE_URL est illisible"
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            return "la base SQLite n'est pas un fichier"
        if missing := missing_sqlite_file(url):
            return f"la base {missing} n'existe pas (lancez `arobase db upgrade`)"
    try:
        revision = current_revision(url)
    except (SQLAlchemyError, OSError) as error:
        return f"la base est injoignable : {error.__class__.__name__}"
    if revision != head_revision():
        return f"la base n'est pas à jour (révision {revision}) : lancez `arobase db upgrade`"
    return None
