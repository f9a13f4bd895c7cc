"""A fake SMTP relay on loopback (aiosmtpd) that records the messages it accepts.

Recipients in `refused` get "550 no such user" at RCPT TO, those in `deferred` get
"451 try again later", as a real relay answers for a closed mailbox or a full queue.
Given a TLS context it offers STARTTLS; given credentials it offers AUTH even over a clear
connection, as a careless relay does, and records every AUTH command it receives.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session, syntax

from tests.fakes.recorder import Recorder


@dataclass(frozen=True)
class ReceivedMail:
    """One accepted message: the SMTP envelope and the parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    encrypted: bool = False  # the session had switched to TLS (STARTTLS)
    authenticated: bool = False

    def part(self, subtype: str) -> str:
        """The text of the text/plain or text/html part."""
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return cast(EmailMessage, body).get_content()


@dataclass(frozen=True)
class AuthCommand:
    """An AUTH command the relay received, and whether the session was encrypted then."""

    argument: str
    encrypted: bool


class _Handler:
    def __init__(self, fake: FakeSmtp) -> None:
        self._fake = fake

    async def handle_RCPT(  # aiosmtpd calls its hooks by these names
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address.lower() in self._fake.refused:
            return f"550 5.1.1 <{address}>: no such user here"
        if address.lower() in self._fake.deferred:
            return f"451 4.2.0 <{address}>: mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # aiosmtpd calls its hooks by these names
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = cast(bytes, envelope.original_content or envelope.content)
        message = cast(EmailMessage, message_from_bytes(content, policy=policy.default))
        self._fake.received.add(
            ReceivedMail(
                str(envelope.mail_from),
                tuple(envelope.rcpt_tos),
                message,
                encrypted=session.ssl is not None,
                authenticated=bool(session.authenticated),
            )
        )
        return "250 Message accepted for delivery"


class _RecordingSMTP(SMTP):
    """aiosmtpd's server, noting every AUTH command before answering it."""

    def __init__(self, fake: FakeSmtp, handler: Any, **options: Any) -> None:
        super().__init__(handler, **options)
        self._fake = fake

    @syntax("AUTH <mechanism>")
    async def smtp_AUTH(self, arg: str) -> None:  # aiosmtpd dispatches commands by name
        encrypted = self.session is not None and self.session.ssl is not None
        self._fake.auth_commands.add(AuthCommand(arg or "", encrypted))
        await super().smtp_AUTH(arg)


class _LoopbackController(Controller):
    """aiosmtpd's Controller on a socket bound in advance to a free loopback port."""

    def __init__(self, fake: FakeSmtp, handler: Any, **options: Any) -> None:
        self._fake = fake
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        super().__init__(handler, hostname="127.0.0.1", port=port, **options)

    def factory(self) -> SMTP:
        return _RecordingSMTP(self._fake, self.handler, **self.SMTP_kwargs)

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._socket)


class FakeSmtp:
    """Accepts mail on loopback, refusing or deferring the recipients it is told to."""

    def __init__(self) -> None:
        self.refused: set[str] = set()
        self.deferred: set[str] = set()
        self.received: Recorder[ReceivedMail] = Recorder("e-mails")
        self.auth_commands: Recorder[AuthCommand] = Recorder("AUTH commands")
        self.host = "127.0.0.1"
        self.port = 0

    def wait_for_mails(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """Block until `count` mails arrived (from a coroutine: asyncio.to_thread)."""
        return self.received.wait_for(count, timeout)

    def reset(self) -> None:
        self.refused.clear()
        self.deferred.clear()
        self.received.clear()
        self.auth_commands.clear()


def _accepting(user: str, password: str) -> Any:
    """An aiosmtpd authenticator that accepts only USER with PASSWORD."""

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        given = (data.login, data.password) if isinstance(data, LoginPassword) else None
        return AuthResult(success=given == (user.encode(), password.encode()))

    return authenticate


@contextmanager
def running_fake_smtp(
    tls: ssl.SSLContext | None = None, credentials: tuple[str, str] | None = None
) -> Iterator[FakeSmtp]:
    """A fake SMTP relay listening on loopback until the block ends; with TLS, it offers
    STARTTLS; with CREDENTIALS (user, password), AUTH, encrypted or not."""
    fake = FakeSmtp()
    options: dict[str, Any] = {"tls_context": tls}
    if credentials is not None:
        options |= {"authenticator": _accepting(*credentials), "auth_require_tls": False}
    controller = _LoopbackController(fake, _Handler(fake), **options)
    controller.start()
    fake.port = controller.port
    try:
        yield fake
    finally:
        controller.stop()
