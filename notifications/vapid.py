"""VAPID keys for Web Push (RFC 8292): the server's P-256 key pair that push services check.

The private key is kept as base64url of its 32 raw bytes (what `web-push generate-vapid-keys`
prints and pywebpush reads); the public key as base64url of the uncompressed point, the
`applicationServerKey` that the town's web page hands to `pushManager.subscribe()`.

The town's pair (town_vapid_keys) is the configured one, else one made the first time a
process needs it and kept in the data folder, so that `make run` offers Web Push with no
setting. The web app and the worker read the same file: browsers subscribe with the public key
the web app hands out, and push services accept only what the matching private key signs.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid

from arobase.data_files import generated_secret
from notifications.errors import InvalidInput

if TYPE_CHECKING:
    from arobase.settings import Settings

# The private key made when none is configured, in the data folder (owner-only).
GENERATED_KEY_FILE = "webpush-vapid-private.key"


def b64url(data: bytes) -> str:
    """Base64url without padding, as Web Push writes keys."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding (ValueError when it is not base64url)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_vapid_keys() -> tuple[str, str]:
    """A new (private key, public key) pair, both base64url."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return b64url(private), public_key_b64(key.public_key())


def load_vapid(private_key: str) -> Vapid:
    """The signer for a private key given as raw base64url, DER base64url or PEM."""
    text = private_key.strip()
    try:
        if text.startswith("-----BEGIN"):
            return Vapid.from_pem(text.encode())
        return Vapid.from_string(text)
    except (ValueError, TypeError, IndexError) as error:
        raise InvalidInput(
            "la clé privée VAPID est illisible (générez-en une avec `arobase webpush keys`)"
        ) from error


def vapid_public_key(private_key: str) -> str:
    """The applicationServerKey that goes with a private key."""
    return public_key_b64(load_vapid(private_key).public_key)


def public_key_b64(key: ec.EllipticCurvePublicKey) -> str:
    return b64url(
        key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )


def check_public_key(public_key: str) -> str:
    """A public key as browsers take it: base64url of a P-256 point, uncompressed."""
    try:
        raw = b64url_decode(public_key)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError as error:
        raise InvalidInput(
            "AROBASE_WEBPUSH_PUBLIC_KEY est illisible (générez une paire avec "
            "`arobase webpush keys`, ou laissez les deux clés vides)"
        ) from error
    if len(raw) != 65:  # a compressed point: browsers refuse it as applicationServerKey
        raise InvalidInput("AROBASE_WEBPUSH_PUBLIC_KEY doit être la clé publique non compressée")
    return public_key


@dataclass(frozen=True)
class VapidKeys:
    """The town's VAPID pair. PRIVATE_KEY is empty in a process given only the public key (a
    web app whose worker runs elsewhere): it can hand the key to browsers, not sign."""

    public_key: str
    private_key: str = field(default="", repr=False)


def configured_vapid_keys(settings: Settings) -> VapidKeys | None:
    """The pair set in the environment, checked (no I/O); None when neither key is set.

    A private key alone gives its public key; a public key that does not match the private
    one is refused now, rather than every push failing later.
    """
    private = settings.webpush_private_key.get_secret_value().strip()
    public = settings.webpush_public_key.strip()
    if not private:
        return VapidKeys(check_public_key(public)) if public else None
    derived = vapid_public_key(private)
    if public and public.rstrip("=") != derived:
        raise InvalidInput(
            "AROBASE_WEBPUSH_PUBLIC_KEY ne correspond pas à AROBASE_WEBPUSH_PRIVATE_KEY : "
            "laissez la clé publique vide (elle se déduit de la clé privée) ou remettez la "
            "bonne paire"
        )
    return VapidKeys(derived, private)


def town_vapid_keys(settings: Settings) -> VapidKeys:
    """The configured pair, else the one made once in the data folder; InvalidInput says why
    there is none. Processes that start together agree on one pair (generated_secret)."""
    configured = configured_vapid_keys(settings)
    if configured is not None:
        return configured
    try:
        private = generated_secret(
            settings.data_dir, GENERATED_KEY_FILE, lambda: generate_vapid_keys()[0]
        )
    except OSError as error:
        raise InvalidInput(
            f"la clé Web Push ne peut pas être gardée dans {settings.data_dir} "
            f"({error.strerror or error}) : rendez ce dossier accessible en écriture, ou "
            "configurez AROBASE_WEBPUSH_PRIVATE_KEY et AROBASE_WEBPUSH_PUBLIC_KEY"
        ) from error
    try:
        return VapidKeys(vapid_public_key(private), private)
    except InvalidInput as error:
        raise InvalidInput(
            f"la clé VAPID de {settings.data_dir / GENERATED_KEY_FILE} est illisible : "
            "effacez ce fichier (une nouvelle clé sera créée, les appareils devront se "
            "réabonner) ou configurez AROBASE_WEBPUSH_PRIVATE_KEY"
        ) from error
