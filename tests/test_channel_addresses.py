"""Address checks per channel, town-wide apprise targets, and the channel registry."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from yarl import URL

from arobase.settings import Settings
from notifications.channels import (
    CHANNEL_NAMES,
    BroadcastTarget,
    PushPolicy,
    build_channels,
    check_channel,
    parse_broadcast_targets,
    push_policy,
    validate_address,
)
from notifications.channels.push_services import parse_push_services
from notifications.channels.webpush import UNKNOWN_SERVICE
from notifications.errors import InvalidAddress, InvalidInput, UnknownChannel
from notifications.hosts import canonical_host, is_local
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
        "https://fcm.googleapis.com/fcm/send/dXk3:APA91b",  # Chrome, Edge on Android…
        "https://fcm.googleapis.com./fcm/send/x",  # a trailing dot is still the public name
        "https://FCM.GoogleAPIs.com/fcm/send/x",
        "https://android.googleapis.com/gcm/send/x",  # FCM's former name
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",  # Firefox
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB",  # Edge on Windows
        "https://web.push.apple.com/QGuQyavXutnMH",  # Safari
        "https://fcm.googleapis.com:443/fcm/send/x",
    ],
)
def test_known_push_services_are_accepted(endpoint: str) -> None:
    assert validate_address("webpush", endpoint, GOOD_KEYS) == (endpoint, GOOD_KEYS)


# Endpoints measured to get past the public-address check, and their like: each is refused
# whatever the spelling, since the host is read as the HTTP client reads it.
BYPASSES = [
    ("full-width digits", "https://１２７.０.０.１/push", "pas publique"),
    ("full-width localhost", "https://ｌｏｃａｌｈｏｓｔ/push", "pas publique"),
    ("full-width dots", "https://127．0．0．1/push", "pas publique"),
    ("ideographic dot", "https://fcm.googleapis.com\u3002evil.example/push", "pas reconnu"),
    ("DNS name of loopback", "https://127.0.0.1.nip.io/push", "pas reconnu"),
    ("6to4 of loopback", "https://[2002:7f00:1::]/push", "pas publique"),
    ("NAT64 of loopback", "https://[64:ff9b::7f00:1]/push", "pas publique"),
    ("NAT64 of a private address", "https://[64:ff9b::a00:5]/push", "pas publique"),
    ("Teredo", "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/push", "pas publique"),
    ("IPv4-mapped, written long", "https://[0:0:0:0:0:ffff:7f00:1]/push", "pas publique"),
    ("public address", "https://8.8.8.8/push", "pas reconnu"),
    ("public IPv6 address", "https://[2001:4860:4860::8888]/push", "pas reconnu"),
    ("public address as a number", "https://134744072/push", "pas reconnu"),
    ("not a push service", "https://push.example.net/wpush/x", "pas reconnu"),
    ("a known name inside another", "https://fcm.googleapis.com.evil.example/x", "pas reconnu"),
    ("a known name as a prefix", "https://evilfcm.googleapis.com/x", "pas reconnu"),
    ("the bare domain of a subdomain rule", "https://push.apple.com/x", "pas reconnu"),
    ("Cyrillic letter (IDNA)", "https://fсm.googleapis.com/fcm/send/x", "pas reconnu"),
    ("Cyrillic in punycode", "https://xn--fm-omc.googleapis.com/fcm/send/x", "pas reconnu"),
    ("full-width slash", "https://evil.example／.fcm.googleapis.com/x", "illisible"),
    ("percent in the host", "https://fcm%2egoogleapis.com/x", "illisible"),
    ("backslash before @", "https://evil.example\\@fcm.googleapis.com/x", "illisible"),
    ("login in the URL", "https://user@fcm.googleapis.com/fcm/send/x", "illisible"),
    ("empty label", "https://fcm..googleapis.com/x", "illisible"),
    ("zero-width space", "https://fcm.googleapis.com\u200b/x", "illisible"),
    ("port out of range", "https://fcm.googleapis.com:99999/x", "illisible"),
    # Each port of a known host would be a destination of its own for the worker's cap, and
    # a filtered one hangs every send: ports other than 443 are refused, however written.
    ("another port of a known service", "https://fcm.googleapis.com:8443/x", "port inhabituel"),
    ("port 0", "https://web.push.apple.com:0/x", "port inhabituel"),
    ("443 with a plus sign", "https://fcm.googleapis.com:+443/x", "illisible"),
    ("443 in full-width digits", "https://fcm.googleapis.com:４４３/x", "illisible"),
    ("a port in Arabic-Indic digits", "https://fcm.googleapis.com:٨٠/x", "illisible"),
    ("a space before the port", "https://fcm.googleapis.com: 443/x", "illisible"),
]


@pytest.mark.parametrize(
    ("endpoint", "phrase"), [case[1:] for case in BYPASSES], ids=[case[0] for case in BYPASSES]
)
def test_endpoints_outside_the_known_push_services_are_refused(endpoint: str, phrase: str):
    with pytest.raises(InvalidAddress, match=phrase):
        validate_address("webpush", endpoint, GOOD_KEYS)
    # Tests' own allowance for loopback does not open the door to the others.
    if "publique" not in phrase:
        with pytest.raises(InvalidAddress, match=phrase):
            validate_address("webpush", endpoint, GOOD_KEYS, push=PushPolicy(local_ok=True))


def test_unknown_service_reason_is_plain_french() -> None:
    with pytest.raises(InvalidAddress) as refused:
        validate_address("webpush", "https://push.example.net/x", GOOD_KEYS)
    assert str(refused.value) == UNKNOWN_SERVICE
    assert str(refused.value).startswith("ce service de notification n'est pas reconnu")


@pytest.mark.parametrize(
    ("spec", "endpoint", "accepted"),
    [
        ("push.example.net", "https://push.example.net/x", True),
        ("push.example.net", "https://PUSH.example.net./x", True),
        ("push.example.net", "https://a.push.example.net/x", False),  # no dot, no subdomains
        (".example.net", "https://a.push.example.net/x", True),
        (".example.net", "https://example.net/x", False),
        (".example.net", "https://badexample.net/x", False),
        ("Push.Example.NET.", "https://push.example.net/x", True),
        ("push.example.net, push.example.org", "https://push.example.org/x", True),
        ("pûsh.example.net", "https://xn--psh-doa.example.net/x", True),
        ("", "https://push.example.net/x", False),
    ],
)
def test_a_town_adds_push_services(spec: str, endpoint: str, accepted: bool, tmp_path: Path):
    settings = Settings(_env_file=None, webpush_services=spec)  # type: ignore[call-arg]
    policy = push_policy(settings)
    if accepted:
        assert validate_address("webpush", endpoint, GOOD_KEYS, push=policy)[0] == endpoint
    else:
        with pytest.raises(InvalidAddress, match="pas reconnu"):
            validate_address("webpush", endpoint, GOOD_KEYS, push=policy)
    # The known services stay accepted.
    assert validate_address("webpush", ENDPOINT, GOOD_KEYS, push=policy)[0] == ENDPOINT


@pytest.mark.parametrize("entry", ["1.2.3.4", "[::1]", "push.example.net/x", "a..b", ".", "-a.fr"])
def test_a_town_service_that_is_not_a_host_name_is_refused_at_start(entry: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(f"AROBASE_WEBPUSH_SERVICES : « {entry} »")):
        parse_push_services(f"push.example.net {entry}")


def test_local_push_endpoints_are_accepted_only_when_allowed_for_tests() -> None:
    local = "http://127.0.0.1:8123/push/1"
    tests_only = PushPolicy(local_ok=True)
    assert validate_address("webpush", local, GOOD_KEYS, push=tests_only) == (local, GOOD_KEYS)
    for spelling in ("http://１２７.０.０.１:8123/push/1", "https://[::1]:8123/push/1"):
        assert validate_address("webpush", spelling, GOOD_KEYS, push=tests_only)[0] == spelling
    with pytest.raises(InvalidAddress, match="https://"):
        validate_address("webpush", local, GOOD_KEYS)


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("１２７.０.０.１", True),  # full-width digits
        ("127。0。0。1", True),  # ideographic full stops
        ("ＬＯＣＡＬＨＯＳＴ", True),
        ("localhost.", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),  # IPv4-mapped
        ("::ffff:8.8.8.8", False),
        ("2002:7f00:1::", True),  # 6to4 of 127.0.0.1
        ("2002:c0a8:101::1", True),  # 6to4 of 192.168.1.1
        ("2002:808:808::", False),  # 6to4 of 8.8.8.8
        ("64:ff9b::7f00:1", True),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", True),  # NAT64 of 169.254.169.254
        ("64:ff9b::808:808", False),  # NAT64 of 8.8.8.8
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", True),  # Teredo: never a server's address
        ("2001:4860:4860::8888", False),
        ("0x7f.1", True),
        ("fcm.googleapis.com", False),
        ("a%2eb", True),  # unreadable: never reached
        ("", True),
    ],
)
def test_is_local_reads_every_spelling(host: str, local: bool) -> None:
    assert is_local(host) is local


@pytest.mark.parametrize(
    "url",
    [
        "https://ＦＣＭ.googleapis.com/x",
        "https://fcm.googleapis.com./x",
        "https://ｆｃｍ．ｇｏｏｇｌｅａｐｉｓ．ｃｏｍ/x",
        "https://ⓕⓒⓜ.googleapis.com/x",
        "https://straße.example/x",
        "https://xn--strae-oqa.example/x",
        "https://１２７.０.０.１:8443/x",
        "https://[::FFFF:127.0.0.1]/x",
    ],
)
def test_canonical_host_is_the_host_aiohttp_connects_to(url: str) -> None:
    """The HTTP client (aiohttp) reads a URL with yarl: the check must see the same host."""
    host = URL(url).raw_host
    assert host is not None
    assert canonical_host(host) == host.removesuffix(".")
    assert canonical_host(host).isascii()


def test_unknown_channel() -> None:
    with pytest.raises(UnknownChannel, match="canal inconnu « fax »"):
        validate_address("fax", "0160000000")
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


def test_only_configured_channels_are_built(tmp_path: Path) -> None:
    # Web Push needs no setting: its key is made in the data folder.
    bare = build_channels(Settings(_env_file=None, data_dir=tmp_path))  # type: ignore[call-arg]
    full = build_channels(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            data_dir=tmp_path / "unused",
            telegram_token="123:abc",
            webpush_private_key=generate_vapid_keys()[0],
            sms_gateway="json://127.0.0.1:9/sms",
        )
    )

    assert sorted(bare) == ["apprise", "email", "webpush"]
    assert (tmp_path / "webpush-vapid-private.key").is_file()
    assert sorted(full) == sorted(CHANNEL_NAMES)
    assert all(channel.name == name for name, channel in full.items())
    assert not (tmp_path / "unused").exists()  # configured keys win: nothing made
