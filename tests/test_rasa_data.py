"""Rasa's own checks of the training data and the dialogue: data validate and test stories."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from arobase.settings import ROOT
from tests.stack import RasaStack

pytestmark = pytest.mark.rasa

RASA = str(ROOT / ".venv-rasa" / "bin" / "rasa")


# Rasa's own dependencies (TensorFlow, SQLAlchemy 1.4, pkg_resources) print deprecation notices
# at import; they say nothing about our data. Rasa's validator speaks through UserWarning.
QUIET_DEPENDENCIES = {
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "TF_CPP_MIN_LOG_LEVEL": "3",
}


def run_rasa(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RASA, *args],
        cwd=ROOT,
        env={**(env or os.environ), **QUIET_DEPENDENCIES},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


# The retrieval responses utter_procedure/<key> only label the ResponseSelector's training:
# action_procedure says the title itself, and only when the selector is confident
# (actions/confidence.py), so no rule runs utter_procedure. Rasa's validator cannot know.
KNOWN_WARNINGS = ("The utterance 'utter_procedure' is not used in any story or rule.",)


def test_data_validate_has_no_warning() -> None:
    result = run_rasa(
        "data",
        "validate",
        "--domain",
        "domain.yml",
        "--data",
        "nlu_data",
        "--config",
        "config.yml",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    warnings = [
        line
        for line in output.splitlines()
        if "warning" in line.lower()
        and "DeprecationWarning" not in line
        and not any(known in line for known in KNOWN_WARNINGS)
    ]
    assert not warnings, "\n".join(warnings)


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
