"""The secrets Arobase's own processes share: Rasa's HTTP API token and the action server's.

From the environment when set (AROBASE_RASA_TOKEN, AROBASE_ACTIONS_TOKEN); otherwise made once
and kept in the data folder, owner-only, so that every process of this installation agrees
on them — `make run`'s processes, and a command typed later in another terminal
(`arobase subscribers erase` asks Rasa to forget a conversation).

`python -m arobase.tokens rasa|actions` prints one, for the shell scripts that start Rasa.
"""

from __future__ import annotations

import secrets
import sys

from arobase.data_files import generated_secret
from arobase.settings import Settings, load_settings

FILES = {"rasa": "rasa-token", "actions": "actions-token"}


def new_token() -> str:
    # URL-safe: Rasa reads its token from a query string, the action server's from a header.
    return secrets.token_urlsafe(32)


def rasa_token(settings: Settings) -> str:
    """The token of Rasa's HTTP API (conversations, erase)."""
    configured = settings.rasa_token.get_secret_value()
    return configured or generated_secret(settings.data_dir, FILES["rasa"], new_token)


def actions_token(settings: Settings) -> str:
    """The secret Rasa sends to the action server."""
    configured = settings.actions_token.get_secret_value()
    return configured or generated_secret(settings.data_dir, FILES["actions"], new_token)


def main() -> None:
    readers = {"rasa": rasa_token, "actions": actions_token}
    if len(sys.argv) != 2 or sys.argv[1] not in readers:
        sys.exit("usage : python -m arobase.tokens rasa|actions")
    print(readers[sys.argv[1]](load_settings()))


if __name__ == "__main__":
    main()
