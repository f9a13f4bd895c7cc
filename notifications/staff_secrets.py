"""The staff's secrets: passwords hashed (argon2id), tokens kept as digests, and the second
factor's TOTP secrets encrypted at rest.

A TOTP secret cannot be hashed like a password (the server needs it to compute the codes):
it is a shared secret, enough by itself to make every future code. It is therefore kept
encrypted (Fernet: AES-128-CBC with an HMAC) under a key that is not in the database, so that
a copy of the database (a backup, a dump) gives no second factor away. The key is
AROBASE_STAFF_TOTP_KEY, or one made in the data folder (owner-only) when none is set.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from arobase.data_files import generated_secret
from arobase.settings import Settings
from notifications.errors import HubError

# The key made when none is configured, in the data folder.
GENERATED_TOTP_KEY_FILE = "staff-totp.key"


class SecondFactorUnavailable(HubError):
    """The key of the TOTP secrets is wrong or lost: no code can be checked."""

    def __init__(self) -> None:
        super().__init__(
            "la double authentification ne peut pas être vérifiée (clé de chiffrement "
            "introuvable ou changée) : un administrateur peut réinitialiser le compte avec "
            "« arobase staff reset »"
        )


@functools.cache
def hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's parameters (RFC 9106's second choice)


@functools.cache
def _dummy_hash() -> str:
    """A hash that no password matches, checked when the account has none: an unknown e-mail
    takes as long to refuse as a wrong password."""
    return hasher().hash(secrets.token_urlsafe(32))


def verified(password_hash: str | None, password: str) -> bool:
    try:
        return hasher().verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@functools.cache
def _box(configured: str, data_dir: Path) -> MultiFernet:
    """The TOTP secrets' keys: the configured ones (the first encrypts), else the data
    folder's."""
    keys = configured.split() or [
        generated_secret(data_dir, GENERATED_TOTP_KEY_FILE, lambda: Fernet.generate_key().decode())
    ]
    try:
        return MultiFernet([Fernet(key.strip()) for key in keys])
    except ValueError as error:  # not 32 bytes in url-safe base64
        raise SecondFactorUnavailable from error


def _settings_box(settings: Settings) -> MultiFernet:
    return _box(settings.staff_totp_key.get_secret_value(), settings.data_dir)


def seal(settings: Settings, secret: str) -> str:
    """SECRET encrypted for the database."""
    return _settings_box(settings).encrypt(secret.encode()).decode()


def unseal(settings: Settings, sealed: str) -> str:
    """The secret SEALED holds; SecondFactorUnavailable when no key opens it."""
    try:
        return _settings_box(settings).decrypt(sealed.encode()).decode()
    except InvalidToken as error:
        raise SecondFactorUnavailable from error
