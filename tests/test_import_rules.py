"""The architecture's import rules, read from the code's own imports (lazy ones included).

- SQLAlchemy and Alembic only inside the storage package, notifications/store/, and so are
  its tables: the rest of the hub gets frozen records;
- the core, arobase/, imports no front-end, no action and not the hub;
- the front-ends (bot/) and the actions reach the hub only through its public module,
  `notifications`, never one of its modules (tables, database, channels…);
- the hub imports no front-end, and its deciders (notifications/decide/) do no I/O.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("arobase", "bot", "actions", "notifications", "cli", "rasa_addons")
FRONT_ENDS = ("bot", "actions", "cli")
STORAGE_LIBRARIES = ("sqlalchemy", "alembic")
IO_LIBRARIES = ("sqlalchemy", "alembic", "httpx", "aiohttp", "aiosmtplib", "telegram", "pywebpush")


def imported_modules(source: str) -> Iterator[str]:
    """Every module SOURCE imports, at its top or inside a function (absolute names)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def product_files() -> Iterator[tuple[str, Path]]:
    """(folder of the tree, file) for every product module."""
    for folder in PRODUCT:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield folder, path


def violations(path: Path, folder: str) -> list[str]:
    """The imports of PATH (in FOLDER) that break a rule, each with the rule it breaks."""
    relative = path.relative_to(ROOT).as_posix()
    in_store = relative.startswith("notifications/store/")
    found = []
    for module in imported_modules(path.read_text(encoding="utf-8")):
        if not in_store and any(within(module, lib) for lib in STORAGE_LIBRARIES):
            found.append(f"{module}: a database library outside notifications/store/")
        if not in_store and within(module, "notifications.store.tables"):
            found.append(f"{module}: the tables outside notifications/store/")
        if folder == "arobase" and any(within(module, p) for p in (*FRONT_ENDS, "notifications")):
            found.append(f"{module}: the core imports a front-end or the hub")
        if (
            folder in ("bot", "actions")
            and within(module, "notifications")
            and module != ("notifications")
        ):
            found.append(f"{module}: a front-end past the hub's public module")
        if folder == "notifications" and any(within(module, p) for p in FRONT_ENDS):
            found.append(f"{module}: the hub imports a front-end")
        if relative.startswith("notifications/decide/") and (
            any(within(module, lib) for lib in IO_LIBRARIES)
            or within(module, "notifications.store")
            or within(module, "notifications.hub")
        ):
            found.append(f"{module}: a decider does I/O")
    return [f"{relative} imports {reason}" for reason in found]


def test_the_product_keeps_the_import_rules() -> None:
    broken = [line for folder, path in product_files() for line in violations(path, folder)]
    assert broken == []


def test_the_rules_cover_every_product_folder() -> None:
    folders = {folder for folder, _ in product_files()}
    assert folders == set(PRODUCT)


@pytest.mark.parametrize(
    ("relative", "source", "reason"),
    [
        ("notifications/outbox.py", "from sqlalchemy import select", "a database library"),
        ("notifications/poller.py", "import alembic.command", "a database library"),
        ("notifications/news.py", "from notifications.store.tables import ItemRow", "the tables"),
        ("arobase/cli.py", "def f():\n    from bot.terminal import run\n", "the core imports"),
        ("arobase/x.py", "import notifications.hub", "the core imports"),
        ("bot/web/x.py", "from notifications.subscribers import erase", "past the hub's public"),
        ("actions/x.py", "from notifications.store.database import Database", "past the hub's"),
        ("notifications/x.py", "from bot.rasa_client import RasaClient", "the hub imports a"),
        ("notifications/decide/x.py", "import httpx", "a decider does I/O"),
        ("notifications/decide/x.py", "from notifications.store import sources", "a decider"),
    ],
)
def test_each_rule_catches_its_violation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relative: str, source: str, reason: str
) -> None:
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    path.write_text(source, encoding="utf-8")
    found = violations(path, relative.split("/")[0])
    assert len(found) == 1 and reason in found[0]


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("notifications/store/sources.py", "from sqlalchemy import select"),
        ("bot/web/x.py", "from notifications import open_hub"),
        ("actions/x.py", "import notifications"),
        ("notifications/decide/x.py", "from notifications.records import Notice"),
        ("cli/hub.py", "from notifications.subscribers import erase_subscriber"),
    ],
)
def test_what_the_rules_allow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relative: str, source: str
) -> None:
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    path.write_text(source, encoding="utf-8")
    assert violations(path, relative.split("/")[0]) == []


# "About 300 lines" at most for a module of the hub or of the web front-end: past that, a
# module holds more than one job (bot/web/alerts.py held six in 752 lines).
MODULE_LINES = 320
SMALL_MODULE_FOLDERS = ("notifications", "bot/web")


def test_modules_of_the_hub_and_the_web_stay_small() -> None:
    large = {
        path.relative_to(ROOT).as_posix(): lines
        for folder in SMALL_MODULE_FOLDERS
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES
    }
    assert large == {}


def test_no_public_name_of_the_hub_is_also_one_of_its_modules() -> None:
    """`notifications` hands out its names lazily (PEP 562): importing a submodule of the same
    name (`notifications.audience`) would replace the function by the module for everyone."""
    import notifications

    names = [
        name for name in notifications.__all__ if importlib.util.find_spec(f"notifications.{name}")
    ]
    assert names == []
