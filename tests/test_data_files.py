"""The data folder's files: owner-only, secrets made once, shared folders left alone."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from arobase.data_files import generated_secret, owner_only_dir, owner_only_file
from arobase.settings import Settings
from arobase.tokens import actions_token, rasa_token


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_generated_secret_is_made_once_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "var"
    made = iter(["premier", "second"])
    first = generated_secret(folder, "cle", lambda: next(made))
    assert (first, generated_secret(folder, "cle", lambda: next(made))) == ("premier", "premier")
    assert (mode(folder), mode(folder / "cle")) == (0o700, 0o600)
    assert sorted(p.name for p in folder.iterdir()) == ["cle"]  # no temporary file left


def test_processes_starting_together_agree_on_one_secret(tmp_path: Path) -> None:
    script = (
        "import secrets, sys; from pathlib import Path; "
        "from arobase.data_files import generated_secret; "
        "print(generated_secret(Path(sys.argv[1]), 'cle', lambda: secrets.token_hex(16)))"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path / "var")], stdout=subprocess.PIPE, text=True
        )
        for _ in range(6)
    ]
    secrets_seen = {process.communicate(timeout=60)[0].strip() for process in processes}
    assert len(secrets_seen) == 1 and len(secrets_seen.pop()) == 32


def test_an_existing_readable_file_and_folder_are_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "var"
    folder.mkdir(mode=0o755)
    database = folder / "arobase.db"
    database.write_bytes(b"")
    database.chmod(0o644)
    owner_only_file(database)
    assert (mode(folder), mode(database)) == (0o700, 0o600)


def test_a_shared_sticky_folder_is_left_as_it_is(tmp_path: Path) -> None:
    shared = tmp_path / "partage"
    shared.mkdir()
    shared.chmod(0o1777)
    owner_only_dir(shared)
    owner_only_file(shared / "arobase.db")
    assert (mode(shared), mode(shared / "arobase.db")) == (0o1777, 0o600)


def test_a_configured_token_wins_and_none_is_made(tmp_path: Path) -> None:
    configured = Settings(_env_file=None, data_dir=tmp_path, rasa_token="jeton-de-la-mairie")
    assert rasa_token(configured) == "jeton-de-la-mairie"
    assert not (tmp_path / "rasa-token").exists()
    made = Settings(_env_file=None, data_dir=tmp_path)
    assert rasa_token(made) == rasa_token(made) != actions_token(made)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["actions-token", "rasa-token"]
