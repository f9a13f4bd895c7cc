"""Address checks per channel, town-wide apprise targets, and the channel registry."""

from __future__ import annotations

import json
from typing import Any

import pytest

from arobase.settings import Settings
from notifications.channels import CHANNEL_NAMES, build_channels, check_channel
from notifications.channels.addresses import (
    BroadcastTarget,
    parse_broadcast_targets,
    validate_address,
)
from notifications.errors import InvalidAddress, UnknownChannel
from notifications.vapid import b64url, generate_vapid_keys
from tests.fakes.push_service import make_subscription

SUBSCRIPTION, KEYS = make_subscription("https://fcm.googleapis.com/fcm", "dXk3")
ENDPOINT = "https://fcm.googleapis.com/fcm/push/dXk3"
GOOD_KEYS = {"p256dh": KEYS.p256dh, "auth": KEYS.auth}


def subscription(**changes: Any) -> str:
    """The browser's subscription JSON with some fields changed."""
    data = json.loads(SUBSCRIPTION)
    keys = {**data["keys"], **changes.pop("keys", {})}
    return json.dumps({**data, **changes, "keys": keys})


@pytest.mark.parametrize(
    ("channel", "address", "params", "expected"),
    [
        ("telegram", "123456789", None, ("123456789", {})),
        ("telegram", " 42 ", None, ("42", {})),
        ("telegram", "-1001234567890", None, ("-1001234567890", {})),
        ("email", "Marie.Dupont@Exemple.FR", None, ("Marie.Dupont@exemple.fr", {})),
        ("email", " jean@trilport.fr ", None, ("jean@trilport.fr", {})),
        ("email", "élodie@exemple.fr", None, ("élodie@exemple.fr", {})),
        ("webpush", SUBSCRIPTION, None, (ENDPOINT, GOOD_KEYS)),
        ("webpush", ENDPOINT, GOOD_KEYS, (ENDPOINT, GOOD_KEYS)),
        ("webpush", ENDPOINT, {"p256dh": KEYS.p256dh + "=", "auth": KEYS.auth + "=="}, (
            ENDPOINT, GOOD_KEYS,
        )),
        ("apprise", "ntfy://ntfy.sh/trilport", None, ("ntfy://ntfy.sh/trilport", {})),
        ("apprise", " json://127.0.0.1:8080/hook ", None, ("json://127.0.0.1:8080/hook", {})),
        ("apprise", "mailto://mairie:motdepasse@gmail.com", None, (
            "mailto://mairie:motdepasse@gmail.com", {},
        )),
    ],
)  # fmt: skip
def test_valid_address_is_normalised(
    channel: str, address: str, params: dict[str, str] | None, expected: tuple[str, dict]
) -> None:
    assert validate_address(channel, address, params) == expected


@pytest.mark.parametrize(
    ("channel", "address", "params", "reason"),
    [
        ("telegram", "marie", None, "identifiant de conversation"),
        ("telegram", "+33612345678", None, "identifiant de conversation"),
        ("telegram", "@mairie_trilport", None, "identifiant de conversation"),
        ("telegram", "12 34", None, "identifiant de conversation"),
        ("email", "marie.dupont", None, "il manque le @"),
        ("email", "marie@", None, "pas une adresse e-mail valide"),
        ("email", "marie@exemple", None, "pas une adresse e-mail valide"),
        ("email", "marie@@exemple.fr", None, "pas une adresse e-mail valide"),
        ("email", "marie dupont@exemple.fr", None, "pas une adresse e-mail valide"),
        ("email", "marie@localhost", None, "pas une adresse e-mail valide"),
        ("webpush", "{pas du json", None, "pas du JSON valide"),
        ("webpush", '{"endpoint": "https://push.example"}', None, "pas de clés"),
        ("webpush", subscription(endpoint="http://push.example.com/x"), None, "https://"),
        ("webpush", subscription(endpoint="fcm/send/x"), None, "pas d'adresse"),
        ("webpush", subscription(keys={"p256dh": KEYS.p256dh[:40]}), None, "clé p256dh"),
        ("webpush", subscription(keys={"p256dh": b64url(b"\x04" + bytes(64))}), None, "clé p256dh"),
        ("webpush", subscription(keys={"auth": b64url(bytes(15))}), None, "clé auth"),
        ("webpush", subscription(keys={"auth": "%%%"}), None, "clé auth"),
        ("webpush", ENDPOINT, {"p256dh": KEYS.p256dh}, "clé auth"),
        ("webpush", "http://127.0.0.1:8123/push/1", GOOD_KEYS, "https://"),
        ("webpush", "https://127.0.0.1/push/1", GOOD_KEYS, "pas publique"),
        ("webpush", "https://10.0.0.5/admin", GOOD_KEYS, "pas publique"),
        ("webpush", "https://[::1]/push", GOOD_KEYS, "pas publique"),
        ("webpush", "https://intranet.local/push", GOOD_KEYS, "pas publique"),
        # Other spellings of this machine or its network, as a client would read them.
        ("webpush", "https://localhost./x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://push.localhost./x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://127.0.0.1./x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://127.1/x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://2130706433/x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://0x7f000001/x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://0177.0.0.1/x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://10.1/x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://0.0.0.0/x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://0/x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://169.254.169.254/latest", GOOD_KEYS, "pas publique"),
        ("webpush", "https://100.64.0.1/x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://224.0.0.1/x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://[::]/x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://[::ffff:127.0.0.1]/x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://[::ffff:7f00:1]/x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://[fe80::1%25eth0]/x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://[fd00::1]/x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://[ff02::1]/x", GOOD_KEYS, "pas publique"),
        ("webpush", "https://fcm.googleapis.com/a\x00b", GOOD_KEYS, "caractères invalides"),
        ("apprise", "pas une url", None, "adresse apprise invalide"),
        ("apprise", "foo://bar", None, "adresse apprise invalide"),
        ("apprise", "tgram://abc", None, "adresse apprise invalide"),
        ("apprise", "json://", None, "adresse apprise invalide"),
        ("email", "   ", None, "l'adresse est vide"),
        ("apprise", "json://127.0.0.1/" + "a" * 2000, None, "trop longue"),
    ],
)
def test_invalid_address_says_why_in_french(
    channel: str, address: str, params: dict[str, str] | None, reason: str
) -> None:
    with pytest.raises(InvalidAddress, match=reason):
        validate_address(channel, address, params)


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com./fcm/send/x",  # a trailing dot is still the public name
        "https://8.8.8.8/push",
        "https://134744072/push",  # 8.8.8.8 written as one number
        "https://[2001:4860:4860::8888]/push",
        "https://updates.push.services.mozilla.com/wpush/v2/x",
    ],
)
def test_public_push_endpoints_are_accepted(endpoint: str) -> None:
    assert validate_address("webpush", endpoint, GOOD_KEYS) == (endpoint, GOOD_KEYS)


def test_local_push_endpoints_are_accepted_only_when_allowed_for_tests() -> None:
    local = "http://127.0.0.1:8123/push/1"
    assert validate_address("webpush", local, GOOD_KEYS, local_ok=True) == (local, GOOD_KEYS)


def test_unknown_channel() -> None:
    with pytest.raises(UnknownChannel, match="canal inconnu « sms »"):
        validate_address("sms", "0612345678")
    with pytest.raises(UnknownChannel, match="canal inconnu « pigeon » : telegram, email, webpush"):
        check_channel("pigeon")
    assert [check_channel(name) for name in CHANNEL_NAMES] == list(CHANNEL_NAMES)


def test_broadcast_targets_with_and_without_topics() -> None:
    spec = (
        "ntfy://ntfy.sh/trilport "
        "travaux,Eau=json://127.0.0.1:8080/hook?format=text "
        "json://127.0.0.1:9000/x?format=text"
    )

    everything, some, with_options = parse_broadcast_targets(spec)

    assert (everything.url, everything.topics) == ("ntfy://ntfy.sh/trilport", frozenset())
    assert (some.url, some.topics) == ("json://127.0.0.1:8080/hook?format=text",
                                       frozenset({"travaux", "eau"}))  # fmt: skip
    assert with_options.topics == frozenset()  # the "=" of an option is not a topic list
    assert everything.wants({"culture"}) and some.wants({"eau"}) and not some.wants({"culture"})


def test_broadcast_names_are_stable_and_hold_no_secret() -> None:
    spec = "matrix://mairie:s3cret@matrix.example/!salle:matrix.example"
    [target] = parse_broadcast_targets(spec)
    [again] = parse_broadcast_targets(spec)

    assert target.name == again.name
    assert target.name.startswith("matrix-") and len(target.name) == len("matrix-") + 8
    assert "s3cret" not in target.name and "s3cret" not in repr(target)
    other = parse_broadcast_targets("matrix://mairie:s3cret@matrix.example/!autre:matrix.example")
    assert other[0].name != target.name


def test_no_broadcast_targets() -> None:
    assert parse_broadcast_targets("") == []
    assert parse_broadcast_targets("   ") == []


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("ntfy://ntfy.sh/a foo://s3cret@bar", "cible n° 2 : URL apprise invalide"),
        ("=ntfy://ntfy.sh/a", "cible n° 1 : thèmes illisibles"),
        ("travaux,=ntfy://ntfy.sh/a", None),
        ("Travaux publics=ntfy://ntfy.sh/a", "cible n° 1 : URL apprise invalide"),
        ("ntfy://ntfy.sh/a ntfy://ntfy.sh/a", "cible n° 2 : en double"),
        ("trav@ux=ntfy://ntfy.sh/a", "cible n° 1 : thèmes illisibles"),
    ],
)
def test_bad_broadcast_spec_names_the_entry_not_the_url(spec: str, reason: str | None) -> None:
    if reason is None:  # an empty item in a topic list is only a stray comma
        [target] = parse_broadcast_targets(spec)
        assert target.topics == frozenset({"travaux"})
        return
    with pytest.raises(InvalidAddress, match=reason) as refused:
        parse_broadcast_targets(spec)
    assert "s3cret" not in str(refused.value)


def test_broadcast_target_is_plain_data() -> None:
    target = BroadcastTarget("ntfy-00000000", "ntfy://ntfy.sh/a", frozenset())
    assert target.wants(set())


def test_only_configured_channels_are_built() -> None:
    bare = build_channels(Settings(_env_file=None))  # type: ignore[call-arg]
    full = build_channels(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            telegram_token="123:abc",
            webpush_private_key=generate_vapid_keys()[0],
        )
    )

    assert sorted(bare) == ["apprise", "email"]
    assert sorted(full) == sorted(CHANNEL_NAMES)
    assert all(channel.name == name for name, channel in full.items())
