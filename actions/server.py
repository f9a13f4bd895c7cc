"""Run the action server on loopback (rasa-sdk binds every interface unless SANIC_HOST says so)."""

from __future__ import annotations

import os
import sys

from arobase.settings import load_settings


def main() -> None:
    settings = load_settings()
    os.environ.setdefault("SANIC_HOST", "127.0.0.1")
    from rasa_sdk.__main__ import main as rasa_sdk_main

    sys.argv = ["rasa_sdk", "--actions", "actions", "--port", str(settings.actions_port), "--quiet"]
    rasa_sdk_main()


if __name__ == "__main__":
    main()
