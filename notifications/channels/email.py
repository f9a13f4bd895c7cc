"""E-mail channel: one message per subscriber through the town's SMTP relay (aiosmtplib).

Each message carries List-Unsubscribe (one click, RFC 8058) so that mail clients show an
unsubscribe button, and Auto-Submitted so that auto-responders stay silent (RFC 3834).
"""

from __future__ import annotations

import asyncio
import re
import socket
import unicodedata
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import ClassVar

import aiosmtplib

from notifications.channels.pacing import rate_limit
from notifications.errors import InvalidInput
from notifications.records import Envelope, SendResult
from notifications.render import email_content

IMPLICIT_TLS_PORT = 465  # "submissions": TLS from the first byte, not STARTTLS
LIGATURES = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae"})


class EmailChannel:
    """Sends alerts and confirmation requests by e-mail."""

    name: ClassVar[str] = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        user: str = "",
        password: str = "",
        starttls: bool | None = None,
        timeout: float = 20,
        rate: float | None = None,
    ) -> None:
        self._host, self._port, self._sender = host, port, check_sender(sender)
        self._user, self._password = user or None, password or None
        self._starttls, self._timeout = starttls, timeout
        self._turn = rate_limit(rate)
        self._local_hostname: str | None = None

    async def send(self, envelope: Envelope) -> SendResult:
        try:
            message = build_message(envelope, self._sender, datetime.now().astimezone())
        except ValueError as error:  # an address that slipped past validation
            return SendResult.rejected(f"message impossible à écrire : {error}")
        async with self._turn:
            try:
                await aiosmtplib.send(
                    message,
                    recipients=[envelope.address],
                    hostname=self._host,
                    port=self._port,
                    username=self._user,
                    password=self._password,
                    use_tls=self._port == IMPLICIT_TLS_PORT,
                    start_tls=self._starttls,
                    timeout=self._timeout,
                    local_hostname=await self._hostname(),
                )
            except (aiosmtplib.SMTPException, OSError) as error:
                return smtp_failure(error)
        return SendResult.sent(str(message["Message-ID"]))

    async def aclose(self) -> None:
        """Nothing to release: each message uses its own connection."""

    async def _hostname(self) -> str:
        """This machine's name for EHLO, looked up once (getfqdn may query DNS)."""
        if self._local_hostname is None:
            self._local_hostname = await asyncio.to_thread(socket.getfqdn)
        return self._local_hostname


def build_message(envelope: Envelope, sender: str, now: datetime) -> EmailMessage:
    """The e-mail for one envelope: text and HTML parts, list and auto-reply headers."""
    content = email_content(envelope)
    domain = sender_domain(sender)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = envelope.address
    message["Subject"] = " ".join(content.subject.split())  # a feed title may hold newlines
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid("arobase", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message["List-Id"] = list_id(envelope.commune, domain)
    if envelope.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{envelope.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Quoted-printable keeps the French text readable and passes relays without 8BITMIME.
    message.set_content(content.text, cte="quoted-printable")
    message.add_alternative(content.html, subtype="html", cte="quoted-printable")
    message["Content-Language"] = "fr"  # after set_content, which clears Content-* headers
    return message


def check_sender(sender: str) -> str:
    """The From address, checked at start-up: "Mairie <alertes@trilport.fr>" or a bare address."""
    address = parseaddr(sender)[1]
    if "@" not in address or "\n" in sender or "\r" in sender:
        raise InvalidInput(f"expéditeur invalide « {sender} » : écrivez Nom <adresse@domaine>")
    return sender


def sender_domain(sender: str) -> str:
    """The domain of "Mairie <alertes@trilport.fr>", for Message-ID and List-Id."""
    address = parseaddr(sender)[1]
    try:
        return Address(addr_spec=address).domain or "localhost"
    except (ValueError, IndexError):
        return "localhost"


def list_id(commune: str, domain: str) -> str:
    """'Trilport : alertes <alertes.trilport.trilport.fr>' (RFC 2919)."""
    return f"{commune} : alertes <alertes.{slug(commune)}.{domain}>"


def slug(text: str) -> str:
    """ASCII, lower case, words joined by '-': 'Saint-Étienne' → 'saint-etienne'."""
    spelled = text.translate(LIGATURES)  # NFKD does not split œ and æ
    ascii_text = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "commune"


def smtp_failure(error: aiosmtplib.SMTPException | OSError) -> SendResult:
    """The outcome of a failed SMTP exchange: a refused recipient is gone for good."""
    match error:
        case aiosmtplib.SMTPRecipientsRefused():
            refused = error.recipients[0]
            reason = f"{refused.code} {refused.message}"
            if refused.code >= 500:
                return SendResult.gone(f"adresse refusée : {reason}")
            return SendResult.retry(f"adresse refusée pour l'instant : {reason}")
        case aiosmtplib.SMTPDataError() if error.code >= 500:
            return SendResult.rejected(f"message refusé : {error.code} {error.message}")
        case aiosmtplib.SMTPAuthenticationError():
            return SendResult.retry(f"identifiants SMTP refusés : {error.code} {error.message}")
        case aiosmtplib.SMTPResponseException():
            return SendResult.retry(f"le serveur de messagerie répond {error.code} {error.message}")
        case aiosmtplib.SMTPTimeoutError():
            return SendResult.retry("le serveur de messagerie n'a pas répondu à temps")
        case _:
            return SendResult.retry(f"serveur de messagerie injoignable : {error}")
