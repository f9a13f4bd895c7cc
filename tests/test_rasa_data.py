"""Rasa's own checks of the training data and the dialogue: data validate and test stories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from arobase.settings import ROOT
from tests.stack import RasaStack

pytestmark = pytest.mark.rasa

RASA = str(ROOT / ".venv-rasa" / "bin" / "rasa")


def run_rasa(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RASA, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=900
    )


def test_data_validate_has_no_warning() -> None:
    result = run_rasa(
        "data",
        "validate",
        "--fail-on-warnings",
        "--domain",
        "domain.yml",
        "--data",
        "nlu_data",
        "--config",
        "config.yml",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    rasa_warnings = [
        line for line in output.splitlines() if "UserWarning" in line and "rasa" in line.lower()
    ]
    assert not rasa_warnings, "\n".join(rasa_warnings)


def test_stories(rasa_stack: RasaStack, tmp_path: Path) -> None:
    result = run_rasa(
        "test",
        "core",
        "--model",
        str(rasa_stack.model),
        "--stories",
        "tests/stories",
        "--endpoints",
        "endpoints.yml",
        "--out",
        str(tmp_path),
        "--fail-on-prediction-errors",
        env=rasa_stack.env,
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:] + details
