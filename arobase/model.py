"""The trained Rasa model, named by a fingerprint of its inputs: trained only when they change."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from arobase.errors import ArobaseError
from arobase.settings import ROOT

MODEL_PREFIX = "arobase-"


class TrainingError(ArobaseError):
    """`rasa train` failed."""


@dataclass(frozen=True)
class ModelInputs:
    root: Path = ROOT

    @property
    def files(self) -> list[Path]:
        """Everything a trained model depends on, in a stable order."""
        data = sorted((self.root / "nlu_data").rglob("*.yml"))
        fixed = [
            self.root / name for name in ("config.yml", "domain.yml", "requirements-rasa.lock")
        ]
        # The training importer and the intent classifier are code the model is built with.
        components = [
            self.root / "rasa_addons" / name
            for name in ("arobase_importer.py", "arobase_intent_classifier.py")
        ]
        return fixed + components + data

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for path in self.files:
            digest.update(str(path.relative_to(self.root)).encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
        return digest.hexdigest()[:16]


def model_path(inputs: ModelInputs, models_dir: Path) -> Path:
    return models_dir / f"{MODEL_PREFIX}{inputs.fingerprint()}.tar.gz"


def rasa_executable(root: Path = ROOT) -> Path:
    exe = root / ".venv-rasa" / "bin" / "rasa"
    if not exe.exists():
        raise TrainingError(f"{exe} is missing: run `scripts/setup.sh rasa` (or `make run`).")
    return exe


def ensure_model(
    inputs: ModelInputs | None = None, models_dir: Path | None = None, *, quiet: bool = False
) -> tuple[Path, bool]:
    """Return the model for the current inputs, training it first when missing.

    The second value says whether it was trained now. Older fingerprints are removed so the
    models folder does not grow without bound.
    """
    inputs = inputs or ModelInputs()
    models_dir = models_dir or inputs.root / "models"
    target = model_path(inputs, models_dir)
    if target.exists():
        return target, False
    models_dir.mkdir(parents=True, exist_ok=True)
    staging = models_dir / f".staging-{target.name.removesuffix('.tar.gz')}"
    shutil.rmtree(staging, ignore_errors=True)
    command = [
        str(rasa_executable(inputs.root)),
        "train",
        "--config",
        "config.yml",
        "--domain",
        "domain.yml",
        "--data",
        "nlu_data",
        "--out",
        str(staging),
        "--fixed-model-name",
        target.name.removesuffix(".tar.gz"),
    ]
    # No usage report to Rasa's makers (the machine may have no network anyway).
    env = os.environ | {"RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run(
        command, cwd=inputs.root, capture_output=quiet, text=True, check=False, env=env
    )
    if result.returncode != 0:
        tail = (result.stdout or "")[-3000:] + (result.stderr or "")[-3000:]
        raise TrainingError(f"rasa train failed (exit {result.returncode}).\n{tail}")
    # Publish atomically: a half-written model never carries the final name.
    (staging / target.name).replace(target)
    shutil.rmtree(staging, ignore_errors=True)
    for old in models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"):
        if old != target:
            old.unlink()
    return target, True
