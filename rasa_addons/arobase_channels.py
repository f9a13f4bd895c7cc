"""Rasa's REST channel, guarded (runs in .venv-rasa, Python 3.10; set in credentials.yml).

Rasa's REST channel takes the conversation id ("sender") from whoever calls it, and the
actions act on the Telegram chat that a conversation id names (`telegram:<chat>`: subscribe,
unsubscribe). Left open, any program on this machine, or any web page through the browser
(a JSON body sent as text/plain needs no CORS preflight), could subscribe or unsubscribe any
chat through Rasa, whatever the action server's own secret.

So only the conversations of the web page (`web:<session>`, bot/web/app.py) and of the
terminal chat (`terminal:<random>`, bot/terminal.py) are open: they name nothing but
themselves. Any other conversation id needs Rasa's token (AROBASE_RASA_TOKEN) as a bearer
token, compared in constant time: the Telegram bot sends it.
"""

from __future__ import annotations

import hmac
from typing import Any

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage, Unauthorized
from sanic.request import Request

# arobase.senders.open_prefixes(), which cannot be imported here (another environment);
# tests/test_action_server_auth.py checks that they agree.
OPEN_SENDERS = ("web:", "terminal:")
REFUSED = (
    "conversation réservée : le jeton AROBASE_RASA_TOKEN est nécessaire pour parler au nom "
    "d'une conversation autre que celles du site (web:) et du terminal (terminal:)"
)


def authorized(header: str | None, token: str) -> bool:
    """Whether an Authorization HEADER carries TOKEN (never empty) as a bearer token."""
    scheme, _, given = (header or "").partition(" ")
    return (
        bool(token)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.encode(), token.encode())
    )


class GuardedRestInput(RestInput):
    """The REST channel (same address, same answers) refusing unauthorised conversations."""

    def __init__(self, token: str) -> None:
        self.token = token

    @classmethod
    def name(cls) -> str:
        return "rest"  # the address stays /webhooks/rest/webhook

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> GuardedRestInput:
        return cls(str((credentials or {}).get("token") or ""))

    async def _extract_sender(self, req: Request) -> str | None:
        body = req.json
        if not isinstance(body, dict):  # Rasa's own channel would fail with a 500
            raise InvalidUsage("un objet JSON est attendu")
        sender = body.get("sender")
        if isinstance(sender, str) and sender.startswith(OPEN_SENDERS):
            return sender
        if not authorized(req.headers.get("authorization"), self.token):
            raise Unauthorized(REFUSED)
        return sender
