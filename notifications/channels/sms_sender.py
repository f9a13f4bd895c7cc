"""The SMS sender: the town's gateway is an apprise URL without recipient
(AROBASE_SMS_GATEWAY: `smseagle://TOKEN@gateway`, `json://relay.example/sms`…), and each
subscriber's number is added to its path as the target, as apprise's SMS services expect.

The gateway's URL holds a token, and the number is personal: details name neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from notifications.channels.apprise import load_apprise
from notifications.channels.pacing import rate_limit
from notifications.channels.sms_text import sms_text
from notifications.records import Envelope, SendResult

if TYPE_CHECKING:
    from arobase.settings import Settings


def gateway_target(gateway: str, number: str) -> str:
    """GATEWAY's URL with NUMBER appended to its path, before any query: `smseagle://T@host`
    and `+33612345678` → `smseagle://T@host/+33612345678`."""
    base, mark, query = gateway.strip().partition("?")
    return f"{base.rstrip('/')}/{number}{mark}{query}"


class SmsChannel:
    """Sends alerts as SMS through the gateway, at most `rate` a second."""

    name: ClassVar[str] = "sms"

    def __init__(self, gateway: str, timeout: float = 20, rate: float | None = None) -> None:
        self._gateway = gateway
        self._timeout = timeout
        self._turn = rate_limit(rate)

    async def send(self, envelope: Envelope) -> SendResult:
        target = load_apprise(gateway_target(self._gateway, envelope.address))
        if target is None:
            # The gateway's URL is the town's setting: every send would fail the same way.
            return SendResult.retry("la passerelle SMS (AROBASE_SMS_GATEWAY) est invalide")
        shown = "passerelle SMS"
        async with self._turn:
            try:
                result = await target.async_notify(
                    body=sms_text(envelope), title="", timeout=self._timeout
                )
            except Exception as error:  # a plugin may raise anything: still a delivery problem
                return SendResult.retry(f"{shown} : erreur {type(error).__name__}")
        with result:
            if result:
                return SendResult.sent(shown)
            return SendResult.retry(f"{shown} : la passerelle n'a pas accepté le SMS")

    async def aclose(self) -> None:
        return None


def build(settings: Settings) -> SmsChannel | None:
    """The sender, when AROBASE_SMS_GATEWAY is set."""
    gateway = settings.sms_gateway.get_secret_value().strip()
    if not gateway:
        return None
    return SmsChannel(gateway, rate=settings.sms_rate)
