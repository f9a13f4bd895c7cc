"""VAPID keys for Web Push (RFC 8292): the server's P-256 key pair that push services check.

The private key is kept as base64url of its 32 raw bytes (what `web-push generate-vapid-keys`
prints and pywebpush reads); the public key as base64url of the uncompressed point, the
`applicationServerKey` that the town's web page hands to `pushManager.subscribe()`.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid

from notifications.errors import InvalidInput


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
