"""`notifications`, the hub's public module: every name the front-ends and the actions import
is there, each loads on first use, and importing the module loads nothing heavy."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

import notifications
from arobase.settings import ROOT


def names_imported_from_the_hub() -> set[str]:
    """Every name bot/ and actions/ import with `from notifications import …`."""
    names = set()
    for folder in ("bot", "actions"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module == "notifications":
                    names.update(alias.name for alias in node.names)
    return names


def modules_loaded_by(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running CODE."""
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    return set(result.stdout.split())


def test_the_front_ends_import_only_public_names() -> None:
    used = names_imported_from_the_hub()
    assert used and used <= set(notifications.__all__)


@pytest.mark.parametrize("name", notifications.__all__)
def test_each_public_name_is_found_in_its_home(name: str) -> None:
    value = getattr(notifications, name)
    assert value is not None and name in dir(notifications)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        notifications.nothing_here  # noqa: B018


@pytest.mark.parametrize(
    ("code", "absent"),
    [
        ("import notifications", ("notifications.hub", "notifications.store", "sqlalchemy")),
        ("from notifications import forbidden_reason, push_policy", ("telegram",)),
    ],
)
def test_importing_the_public_module_loads_nothing_heavy(code: str, absent: tuple[str]) -> None:
    loaded = modules_loaded_by(code)
    assert not {m for m in loaded for a in absent if m == a or m.startswith(a + ".")}
