"""Run the action server on loopback, answering the Rasa server only.

rasa-sdk obeys any caller: a forged tracker for `telegram:<any chat>` would subscribe that
chat, and any local program (or a web page, through the browser) may call it. Rasa sends a
shared secret with each call (endpoints.yml: `Authorization: Bearer ${AROBASE_ACTIONS_TOKEN}`);
every route but /health refuses a call without it, compared in constant time. One hop up,
Rasa's REST channel speaks for a Telegram chat only with Rasa's own token
(rasa_addons/arobase_channels.py): otherwise the same forgery would simply go through Rasa.
"""

from __future__ import annotations

import hmac
import logging
import os
import sys
from functools import partial
from typing import Any

from arobase.settings import load_settings

OPEN_PATHS = frozenset({"/health"})  # liveness checks (tests, supervisors) need no secret
MIN_TOKEN = 16
REFUSED = "appel refusé : seul le serveur Rasa (avec le jeton AROBASE_ACTIONS_TOKEN) est servi"


def token_problem(token: str) -> str | None:
    """Why TOKEN cannot protect the action server (French, for the one who sets it up)."""
    if not token:
        return (
            "AROBASE_ACTIONS_TOKEN est vide : le serveur d'actions ne répond qu'au serveur Rasa, "
            "qui envoie ce jeton à chaque appel. Mettez le même secret dans l'environnement des "
            "deux (make run en crée un à chaque lancement)."
        )
    if len(token) < MIN_TOKEN:
        return f"AROBASE_ACTIONS_TOKEN est trop court : {MIN_TOKEN} caractères au moins."
    # Rasa sends it in an HTTP header (no spaces, control or non-ASCII characters), read from
    # endpoints.yml, whose ${...} expansion rejects a value starting with "$".
    if not all("!" <= character <= "~" for character in token) or token.startswith("$"):
        return (
            "AROBASE_ACTIONS_TOKEN ne doit contenir que des lettres, des chiffres et des signes "
            "ASCII visibles, sans espace, et ne pas commencer par $."
        )
    return None


def authorized(header: str | None, token: str) -> bool:
    """Whether an Authorization HEADER carries TOKEN as a bearer token."""
    scheme, _, given = (header or "").partition(" ")
    # compare_digest takes as long whatever the first differing character: no timing oracle.
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


def guarded_app(token: str, executor: Any, **options: Any) -> Any:
    """rasa-sdk's Sanic app (built in each Sanic worker), refusing callers without TOKEN."""
    from rasa_sdk.endpoint import create_app_for_serve
    from sanic import response

    app = create_app_for_serve(executor, **options)

    async def only_rasa(request: Any) -> Any:
        if request.path in OPEN_PATHS or authorized(request.headers.get("authorization"), token):
            return None
        return response.json({"error": REFUSED}, status=401, headers={"WWW-Authenticate": "Bearer"})

    app.register_middleware(only_rasa, "request")
    return app


def serve(token: str, port: int) -> None:
    """rasa_sdk.endpoint.run with our app factory (module-level: Sanic pickles it)."""
    from rasa_sdk import utils
    from rasa_sdk.constants import DEFAULT_ENDPOINTS_PATH
    from rasa_sdk.executor import ActionExecutor
    from sanic import Sanic
    from sanic.worker.loader import AppLoader

    utils.configure_colored_logging(logging.WARNING)
    utils.update_sanic_log_level()
    executor = ActionExecutor()
    executor.register_package("actions")
    loader = AppLoader(
        factory=partial(
            guarded_app, token, executor, cors_origins=None, endpoints=DEFAULT_ENDPOINTS_PATH
        )
    )
    app = loader.load()
    app.prepare(
        host=os.environ.get("SANIC_HOST", "127.0.0.1"),
        port=port,
        workers=utils.number_of_sanic_workers(),
    )
    Sanic.serve(primary=app, app_loader=loader)


def main() -> None:
    settings = load_settings()
    token = settings.actions_token.get_secret_value()
    problem = token_problem(token)
    if problem is not None:
        sys.exit(f"Erreur : {problem}")
    serve(token, settings.actions_port)


if __name__ == "__main__":
    main()
