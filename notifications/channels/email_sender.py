"""The e-mail sender: one message per subscriber through the town's SMTP relay (aiosmtplib).

Each message carries List-Unsubscribe (one click, RFC 8058) so that mail clients show an
unsubscribe button, and Auto-Submitted so that auto-responders stay silent (RFC 3834).

Encryption: port 465 is TLS from the first byte; elsewhere the connection is upgraded with
STARTTLS whenever the relay offers it ("auto"), or must be ("required"). The relay's
certificate and name are verified whenever it matters: a password is sent, STARTTLS is
required, or port 465. Only "auto" without a password encrypts without checking who answers
(opportunistic, RFC 7435: better than clear text, and what a town's local relay with its
self-signed certificate allows). A password never travels in clear, nor to an unverified
relay: over a connection left unencrypted, the message is not sent and the outcome says why
(the worker retries, so a relay that is fixed gets it).
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import unicodedata
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

import aiosmtplib

from notifications.channels.email import email_content
from notifications.channels.pacing import rate_limit
from notifications.errors import InvalidInput
from notifications.records import Envelope, SendResult

if TYPE_CHECKING:
    from arobase.settings import Settings

IMPLICIT_TLS_PORT = 465  # "submissions": TLS from the first byte, not STARTTLS
LIGATURES = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae"})

StartTls = Literal["auto", "required", "off"]  # settings.smtp_starttls
NO_STARTTLS = "le serveur de messagerie ne propose pas le chiffrement (STARTTLS)"


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
        starttls: StartTls = "auto",
        timeout: float = 20,
        rate: float | None = None,
        ca_file: Path | None = None,
    ) -> None:
        check_clear_text(starttls, port, password)
        self._host, self._port, self._sender = host, port, check_sender(sender)
        # A user with an empty password still logs in: the relay decides.
        self._user, self._password = user or None, password
        self._starttls, self._timeout = starttls, timeout
        self._tls = tls_context(ca_file)
        # "auto" without a password: encrypted even when the relay's certificate is unknown.
        opportunistic = starttls == "auto" and not password and not user
        self._unverified = unverified_context() if opportunistic else None
        self._turn = rate_limit(rate)
        self._local_hostname: str | None = None

    async def send(self, envelope: Envelope) -> SendResult:
        try:
            message = build_message(envelope, self._sender, datetime.now().astimezone())
        except ValueError as error:  # an address that slipped past validation
            return SendResult.rejected(f"message impossible à écrire : {error}")
        async with self._turn:
            try:
                refusal = await self._deliver(message, envelope.address)
            except (aiosmtplib.SMTPException, OSError) as error:
                return smtp_failure(error)
        if refusal is not None:
            return SendResult.retry(refusal)
        return SendResult.sent(str(message["Message-ID"]))

    async def _deliver(self, message: EmailMessage, address: str) -> str | None:
        """Send MESSAGE over one connection; why not, when it was left unencrypted."""
        implicit = self._port == IMPLICIT_TLS_PORT
        client = aiosmtplib.SMTP(
            hostname=self._host,
            port=self._port,
            use_tls=implicit,
            # None: aiosmtplib upgrades when the relay offers STARTTLS; the policy is checked
            # below, once the connection is what it will be.
            start_tls=False if implicit or self._starttls == "off" else None,
            tls_context=self._unverified if self._unverified and not implicit else self._tls,
            timeout=self._timeout,
            local_hostname=await self._hostname(),
        )
        async with client:  # no credentials given here: aiosmtplib would log in at once
            encrypted = client.get_transport_info("sslcontext") is not None
            refusal = clear_text_refusal(self._starttls, encrypted, self._user is not None)
            if refusal is not None:
                return refusal
            if self._user is not None:
                await client.login(self._user, self._password)
            await client.send_message(message, recipients=[address])
        return None

    async def aclose(self) -> None:
        """Nothing to release: each message uses its own connection."""

    async def _hostname(self) -> str:
        """This machine's name for EHLO, looked up once (getfqdn may query DNS)."""
        if self._local_hostname is None:
            self._local_hostname = await asyncio.to_thread(socket.getfqdn)
        return self._local_hostname


def check_clear_text(starttls: StartTls, port: int, password: str) -> None:
    """Refuse at start-up a set-up that would send the SMTP password in clear."""
    if starttls == "off" and password and port != IMPLICIT_TLS_PORT:
        raise InvalidInput(
            "AROBASE_SMTP_STARTTLS=off avec un mot de passe SMTP : il passerait en clair. "
            "Choisissez « auto » ou « required », ou le port 465 (chiffré dès la connexion)."
        )


def clear_text_refusal(starttls: StartTls, encrypted: bool, authenticates: bool) -> str | None:
    """Why a connection left unencrypted must not carry this message, or None when it may."""
    if encrypted:
        return None
    if starttls == "required":
        return f"{NO_STARTTLS}, exigé par AROBASE_SMTP_STARTTLS=required : message non envoyé"
    if authenticates:
        return f"{NO_STARTTLS} : message non envoyé, le mot de passe SMTP ne part jamais en clair"
    return None


def unverified_context() -> ssl.SSLContext:
    """Encryption without checking the relay's certificate (opportunistic STARTTLS)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # TLS 1.2 or later, good ciphers
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Verifies the relay's certificate and name: against the system's authorities, or only
    those in CA_FILE (a town's internal relay). Built once: loading authorities takes time."""
    try:
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as error:
        raise InvalidInput(
            f"AROBASE_SMTP_CA_FILE « {ca_file} » illisible : {error.strerror or error}"
        ) from error


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


def certificate_problem(error: BaseException | None) -> ssl.SSLCertVerificationError | None:
    """The certificate refusal behind ERROR (aiosmtplib wraps it on port 465), if any."""
    while error is not None:
        if isinstance(error, ssl.SSLCertVerificationError):
            return error
        error = error.__cause__
    return None


def smtp_failure(error: aiosmtplib.SMTPException | OSError) -> SendResult:
    """The outcome of a failed SMTP exchange: a refused recipient is gone for good."""
    if refused := certificate_problem(error):
        return SendResult.retry(
            f"certificat du serveur de messagerie refusé ({refused.verify_message}) : "
            "pour un relais interne, indiquez son autorité dans AROBASE_SMTP_CA_FILE"
        )
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


def build(settings: Settings) -> EmailChannel:
    """The sender through the town's SMTP relay (AROBASE_SMTP_*)."""
    return EmailChannel(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_from,
        user=settings.smtp_user,
        password=settings.smtp_password.get_secret_value(),
        starttls=settings.smtp_starttls,
        rate=settings.email_rate,
        ca_file=settings.smtp_ca_file,
    )
