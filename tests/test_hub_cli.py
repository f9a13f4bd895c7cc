"""The staff's `arobase` commands for the hub: what they print, and bad input refused with a
French reason and exit code 1, nothing stored changed."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from arobase.cli import app as cli_app
from notifications.cli import count, register
from notifications.hub import Hub
from tests.fakes.feed_server import FeedServer, feed_server
from tests.fakes.push_service import make_subscription
from tests.hub_support import TOWN_FILE

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    register(cli_app)
    return cli_app


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        yield running


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, hub: Hub) -> None:
    monkeypatch.setenv("AROBASE_DATABASE_URL", hub.settings.database_url)
    monkeypatch.setenv("AROBASE_TOWN_FILE", str(TOWN_FILE))
    monkeypatch.setenv("AROBASE_PUBLIC_URL", "http://alertes.test")
    monkeypatch.setenv("AROBASE_WEBPUSH_ALLOW_LOCAL", "true")


def arobase(app: typer.Typer, *args: str, ok: bool = True) -> str:
    result = runner.invoke(app, list(args))
    output = result.output
    assert (result.exit_code == 0) is ok, output
    return output


def test_a_subscriber_is_added_listed_exported_and_erased(app: typer.Typer, tmp_path: Path) -> None:
    out = arobase(app, "subscribers", "add", "--channel", "telegram", "--address", "4242",
                  "--topic", "travaux", "--topic", "ecoles", "--consent")  # fmt: skip
    assert "Abonné n° 1 (telegram) : ecoles, travaux." in out
    assert "4242" in arobase(app, "subscribers", "list")
    export = tmp_path / "abonne.json"
    arobase(app, "subscribers", "export", "1", "--output", str(export))
    data = json.loads(export.read_text(encoding="utf-8"))
    assert data["abonne"]["adresse"] == "4242"
    assert data["abonne"]["themes"] == ["ecoles", "travaux"]
    assert data["abonne"]["consentement"]
    assert "définitif" in arobase(app, "subscribers", "erase", "1", ok=False)
    erased = arobase(app, "subscribers", "erase", "1", "--yes")
    assert "Abonné n° 1 effacé (3 enregistrements supprimés)." in erased
    assert "Aucun abonné" in arobase(app, "subscribers", "list")


def test_an_email_subscriber_gets_a_confirmation_request_only(app: typer.Typer, hub: Hub) -> None:
    out = arobase(app, "subscribers", "add", "--channel", "email", "--address",
                  "Camille@Trilport.example", "--topic", "travaux", "--consent")  # fmt: skip
    assert "Un courriel de confirmation va lui être envoyé" in out
    assert "en attente de confirmation" in arobase(app, "subscribers", "list")
    assert "Confirmez votre abonnement" in arobase(app, "messages", "list")
    # the request waits for the worker: cancelling it cancels its one delivery
    assert "(1 envoi annulé)" in arobase(app, "messages", "cancel", "1")


@pytest.mark.parametrize(
    ("number", "text"), [(0, "0 entrée"), (1, "1 entrée"), (2, "2 entrées"), (12, "12 entrées")]
)
def test_counts_take_the_french_singular_below_two(number: int, text: str) -> None:
    assert count(number, "entrée", "entrées") == text


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--channel", "telegram", "--address", "4242", "--topic", "travaux"], "--consent"),
        (["--channel", "sms", "--address", "0600", "--topic", "travaux", "--consent"], "canal"),
        (["--channel", "email", "--address", "pas-une-adresse", "--topic", "travaux",
          "--consent"], "adresse"),
        (["--channel", "apprise", "--address", "nimportequoi://x", "--topic", "travaux",
          "--consent"], "apprise"),
        (["--channel", "telegram", "--address", "4242", "--topic", "piscine", "--consent"],
         "thème inconnu"),
        (["--channel", "telegram", "--address", "4242", "--topic", "travaux", "--consent",
          "--quiet", "22h"], "heures calmes"),
    ],
)  # fmt: skip
def test_bad_subscriptions_are_refused(app: typer.Typer, args: list[str], reason: str) -> None:
    out = arobase(app, "subscribers", "add", *args, ok=False)
    assert "Erreur" in out and reason in out
    assert "Aucun abonné" in arobase(app, "subscribers", "list")


def test_a_duplicate_subscription_is_refused_and_the_first_kept(app: typer.Typer) -> None:
    first = ["--channel", "telegram", "--address", "4242", "--topic", "travaux", "--consent"]
    arobase(app, "subscribers", "add", *first)
    again = ["--channel", "telegram", "--address", "4242", "--topic", "ecoles", "--consent"]
    out = arobase(app, "subscribers", "add", *again, ok=False)
    assert "déjà abonnée" in out
    listing = arobase(app, "subscribers", "list")
    assert "[travaux]" in listing and "ecoles" not in listing


def test_a_web_push_subscription_is_accepted(app: typer.Typer) -> None:
    subscription, _ = make_subscription("http://127.0.0.1:9", "abc")
    arobase(app, "subscribers", "add", "--channel", "webpush", "--address", subscription,
            "--topic", "alertes", "--consent")  # fmt: skip
    assert "webpush" in arobase(app, "subscribers", "list")


def test_an_announcement_is_scheduled_previewed_and_cancelled(app: typer.Typer) -> None:
    out = arobase(app, "announce", "Travaux rue de Meaux", "--body", "Du 1er au 5 décembre.",
                  "--topic", "travaux", "--at", "2026-12-01 08:00")  # fmt: skip
    assert "Message n° 1 programmé le 01/12/2026 08:00" in out
    preview = arobase(app, "messages", "preview", "1")
    for channel in ("telegram", "email", "webpush", "apprise"):
        assert f"===== {channel} =====" in preview
    assert "<b>Travaux rue de Meaux</b>" in preview
    assert "désabonner" in preview
    assert "scheduled" in arobase(app, "messages", "list")
    assert "(0 envoi annulé)" in arobase(app, "messages", "cancel", "1")
    assert "déjà annulé" in arobase(app, "messages", "cancel", "1", ok=False)
    assert "Aucun envoi" in arobase(app, "deliveries", "stats", "1")


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["Titre", "--topic", "travaux", "--at", "demain matin"], "date invalide"),
        (["Titre", "--topic", "travaux", "--at", "2020-01-01 08:00"], "déjà passée"),
        (["Titre", "--topic", "piscine"], "thème inconnu"),
        (["  ", "--topic", "travaux"], "titre est vide"),
    ],
)
def test_bad_announcements_are_refused(app: typer.Typer, args: list[str], reason: str) -> None:
    out = arobase(app, "announce", *args, ok=False)
    assert reason in out
    assert "Aucun message" in arobase(app, "messages", "list")


def test_unknown_things_are_named_in_the_error(app: typer.Typer) -> None:
    assert "aucun message n° 99" in arobase(app, "messages", "show", "99", ok=False)
    assert "aucun message n° 99" in arobase(app, "deliveries", "stats", "99", ok=False)
    assert "aucun abonné n° 7" in arobase(app, "subscribers", "export", "7", ok=False)
    assert "aucune source « rien »" in arobase(app, "sources", "remove", "rien", ok=False)


def test_sources_are_added_checked_listed_and_removed(app: typer.Typer, server: FeedServer) -> None:
    url = f"{server.url}/trilport-actualites.rss"
    arobase(app, "sources", "add", "actus", "--url", url, "--category", "Travaux=travaux")
    out = arobase(app, "sources", "check", "actus")
    assert "entrées" in out and "[travaux]" in out
    listing = arobase(app, "sources", "list")
    assert "actus" in listing and "jamais lue" in listing
    assert "site" in listing and "fichier de la commune" in listing
    assert "fichier de la commune" in arobase(app, "sources", "remove", "site", ok=False)
    arobase(app, "sources", "remove", "actus")
    assert "actus" not in arobase(app, "sources", "list")


def test_a_source_address_too_long_is_refused(app: typer.Typer, server: FeedServer) -> None:
    url = f"{server.url}/trilport-actualites.rss?" + "a" * 2000
    out = arobase(app, "sources", "add", "longue", "--url", url, ok=False)
    assert "adresse trop longue" in out and "2000 caractères au plus" in out
    assert "longue" not in arobase(app, "sources", "list")


def test_a_source_address_must_be_a_web_address(app: typer.Typer) -> None:
    out = arobase(app, "sources", "add", "ftp", "--url", "ftp://ville.example/flux", ok=False)
    assert "doit commencer par http:// ou https://" in out


def test_a_town_source_whose_name_is_taken_is_skipped_with_a_warning(
    app: typer.Typer, server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    arobase(app, "sources", "add", "site", "--url", f"{server.url}/trilport-actualites.rss")
    with caplog.at_level(logging.WARNING, logger="notifications.source_store"):
        listing = arobase(app, "sources", "list")
    assert "town source 'site' skipped" in caplog.text
    lines = listing.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("site "))
    assert "fichier de la commune" not in lines[first + 2]  # it is still the staff's source
    assert "conseil" in listing and "videos" in listing


def test_checking_an_unreachable_feed_says_why(app: typer.Typer, server: FeedServer) -> None:
    out = arobase(app, "sources", "check", f"{server.url}/status/500", ok=False)
    assert "500" in out


def test_webpush_keys_are_printed_as_settings(app: typer.Typer) -> None:
    out = arobase(app, "webpush", "keys")
    assert out.startswith("AROBASE_WEBPUSH_PRIVATE_KEY=")
    assert "\nAROBASE_WEBPUSH_PUBLIC_KEY=" in out


def test_commands_refuse_a_database_that_is_not_migrated(
    app: typer.Typer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AROBASE_DATABASE_URL", f"sqlite:///{tmp_path / 'vide.db'}")
    assert "arobase db upgrade" in arobase(app, "subscribers", "list", ok=False)
    assert "à jour" in arobase(app, "db", "upgrade")
    assert "Aucun abonné" in arobase(app, "subscribers", "list")
