"""The staff's `arobase` commands for the hub: what they print, and bad input refused with a
French reason and exit code 1, nothing stored changed."""

from __future__ import annotations

import json
import logging
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import typer
from typer.testing import CliRunner

from arobase.settings import ROOT
from cli import app as cli_app
from cli.common import count
from notifications.consent import ConsentWay
from notifications.hub import Hub
from notifications.staff import audit_entries
from notifications.subscribers import (
    add_subscriber,
    export_subscriber,
    list_subscribers,
    subscriber_file,
)
from tests.fake_rasa import FakeRasa, running_fake_rasa
from tests.fakes.feed_server import FeedServer, feed_server
from tests.fakes.push_service import make_subscription
from tests.hub_support import command_environment, data_dir_for_tests
from tests.servers import closed_port_url

runner = CliRunner()
# The commands read the system clock: announcements are scheduled a month ahead of it, so
# that the tests pass on any day (a fixed date was refused once it had passed).
LATER = datetime.now(ZoneInfo("Europe/Paris")) + timedelta(days=30)
AT, AT_SHOWN = f"{LATER:%Y-%m-%d} 08:00", f"{LATER:%d/%m/%Y} 08:00"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    return cli_app


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        yield running


@pytest.fixture(scope="module")
def rasa() -> Iterator[FakeRasa]:
    with running_fake_rasa() as fake:
        yield fake


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, hub: Hub, rasa: FakeRasa) -> None:
    command_environment(monkeypatch, hub.settings.database_url)
    monkeypatch.setenv("AROBASE_WEBPUSH_ALLOW_LOCAL", "true")
    monkeypatch.setenv("AROBASE_FEEDS_ALLOW_LOCAL", "true")  # the feed server is on loopback
    # Erasing a Telegram subscriber erases its conversation held by Rasa: a fake one here.
    monkeypatch.setenv("AROBASE_RASA_URL", rasa.url)
    monkeypatch.setenv("AROBASE_RASA_TOKEN", "jeton-de-test")
    monkeypatch.setenv("AROBASE_DATA_DIR", str(data_dir_for_tests(hub.settings.database_url)))
    rasa.reset()


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
    assert data["abonne"]["consentement_recueilli_par"] == "cli"
    assert data["abonne"]["consentement_moyen"] == "déclaré en ligne de commande"
    assert "définitif" in arobase(app, "subscribers", "erase", "1", ok=False)
    erased = arobase(app, "subscribers", "erase", "1", "--yes")
    assert erased.splitlines() == [
        "Abonné n° 1 effacé (3 enregistrements supprimés).",
        "Sa conversation avec l'assistant (telegram:4242) est effacée aussi.",
    ]
    assert "Aucun abonné" in arobase(app, "subscribers", "list")


@pytest.mark.parametrize("command", [["erase", "--yes"], ["remove"]])
def test_erasing_a_chat_subscriber_erases_its_conversation_with_the_assistant(
    app: typer.Typer, hub: Hub, rasa: FakeRasa, command: list[str]
) -> None:
    chat = add_subscriber(hub, "telegram", "-1001234", ["travaux"])  # a group: negative id
    mail = add_subscriber(hub, "email", "camille@trilport.example", ["travaux"])
    out = arobase(app, "subscribers", command[0], str(chat.id), *command[1:])
    assert f"Abonné n° {chat.id} effacé (2 enregistrements supprimés)." in out
    assert rasa.forgotten == ["telegram:-1001234"]
    out = arobase(app, "subscribers", command[0], str(mail.id), *command[1:])
    assert out == f"Abonné n° {mail.id} effacé (2 enregistrements supprimés).\n"
    assert rasa.forgotten == ["telegram:-1001234"]  # an e-mail is no conversation
    assert list_subscribers(hub) == []


def test_an_erase_typed_in_another_terminal_finds_the_token_rasa_was_started_with(
    app: typer.Typer, hub: Hub, rasa: FakeRasa, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # `make run` with no token configured: the one it starts Rasa with, kept in the data folder.
    monkeypatch.setenv("AROBASE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AROBASE_RASA_TOKEN")
    started_with = subprocess.run(
        [sys.executable, "-m", "arobase.tokens", "rasa"],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=60,
    ).stdout.strip()  # fmt: skip
    assert len(started_with) >= 32
    assert stat.S_IMODE((tmp_path / "data" / "rasa-token").stat().st_mode) == 0o600
    rasa.token = started_with
    subscriber = add_subscriber(hub, "telegram", "4242", ["travaux"])
    out = arobase(app, "subscribers", "erase", str(subscriber.id), "--yes")
    assert (
        out.splitlines()[-1]
        == "Sa conversation avec l'assistant (telegram:4242) est effacée aussi."
    )
    assert rasa.forgotten == ["telegram:4242"]


@pytest.mark.parametrize(
    ("rasa_url", "token", "reason"),
    [
        (None, "un-autre-jeton", "a refusé : le jeton AROBASE_RASA_TOKEN est absent ou n'est "
         "pas celui de l'assistant en marche."),
        ("nothing listens", "jeton-de-test", "est injoignable."),
    ],
)  # fmt: skip
def test_when_rasa_cannot_erase_the_conversation_the_database_is_erased_and_staff_told(
    app: typer.Typer,
    hub: Hub,
    rasa: FakeRasa,
    monkeypatch: pytest.MonkeyPatch,
    rasa_url: str | None,
    token: str,
    reason: str,
) -> None:
    where = closed_port_url() if rasa_url else rasa.url
    monkeypatch.setenv("AROBASE_RASA_URL", where)
    monkeypatch.setenv("AROBASE_RASA_TOKEN", token)
    subscriber = add_subscriber(hub, "telegram", "4242", ["travaux", "ecoles"])
    result = runner.invoke(app, ["subscribers", "erase", str(subscriber.id), "--yes"])
    assert result.exit_code == 1
    assert result.stdout == f"Abonné n° {subscriber.id} effacé (3 enregistrements supprimés).\n"
    assert result.stderr == (
        "Erreur : l'abonné est effacé, mais pas sa conversation avec l'assistant "
        f"(telegram:4242) : Rasa ({where}) {reason} Pour l'effacer tout de suite, redémarrez "
        "l'assistant (Rasa) ; sinon il l'oubliera de lui-même 30 minutes après son dernier "
        "message.\n"
    )
    assert list_subscribers(hub) == []
    assert rasa.forgotten == []


def test_an_email_subscriber_gets_a_confirmation_request_only(app: typer.Typer, hub: Hub) -> None:
    out = arobase(app, "subscribers", "add", "--channel", "email", "--address",
                  "Camille@Trilport.example", "--topic", "travaux", "--consent")  # fmt: skip
    assert "Un courriel de confirmation va lui être envoyé" in out
    assert "en attente de confirmation" in arobase(app, "subscribers", "list")
    assert "Confirmez votre abonnement" in arobase(app, "messages", "list")
    # the request waits for the worker: cancelling it cancels its one delivery
    assert "(1 envoi annulé)" in arobase(app, "messages", "cancel", "1")


def test_a_subscription_records_who_took_the_consent_and_how(app: typer.Typer, hub: Hub) -> None:
    arobase(app, "subscribers", "add", "--channel", "email", "--address",
            "camille@trilport.example", "--topic", "travaux", "--consent", "--how", "formulaire",
            "--by", "accueil@trilport.example")  # fmt: skip
    (info,) = list_subscribers(hub)
    consent = subscriber_file(hub, info.id).consent
    assert (consent.by, consent.how) == ("accueil@trilport.example", ConsentWay.PAPER)
    arobase(app, "subscribers", "export", str(info.id))
    arobase(app, "subscribers", "erase", str(info.id), "--yes")
    detail = f"abonné n° {info.id} (email)"
    assert [(e.actor, e.action, e.detail) for e in reversed(audit_entries(hub))] == [
        ("cli", "inscription d'un abonné", detail),
        ("cli", "export des données d'un abonné", detail),
        ("cli", "effacement d'un abonné", detail),
    ]
    out = arobase(app, "subscribers", "add", "--channel", "email", "--address", "x@y.example",
                  "--topic", "travaux", "--consent", "--how", "oral", ok=False)  # fmt: skip
    assert "guichet" in out and "formulaire" in out


@pytest.mark.parametrize(
    ("number", "text"), [(0, "0 entrée"), (1, "1 entrée"), (2, "2 entrées"), (12, "12 entrées")]
)
def test_counts_take_the_french_singular_below_two(number: int, text: str) -> None:
    assert count(number, "entrée", "entrées") == text


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--channel", "telegram", "--address", "4242", "--topic", "travaux"], "--consent"),
        (["--channel", "sms", "--address", "0600", "--topic", "travaux", "--consent"], "numéro"),
        (["--channel", "fax", "--address", "0600", "--topic", "travaux", "--consent"], "canal"),
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


def test_the_preview_says_how_much_of_the_month_s_sms_budget_is_left(
    app: typer.Typer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AROBASE_SMS_MONTHLY_BUDGET", "2")
    for number in ("06 12 34 56 78", "06 12 34 56 79", "07 81 23 45 67"):
        arobase(app, "subscribers", "add", "--channel", "sms", "--address", number,
                "--topic", "travaux", "--consent")  # fmt: skip
    arobase(app, "announce", "Travaux rue de Meaux", "--topic", "travaux",
            "--at", AT)  # fmt: skip

    preview = arobase(app, "messages", "preview", "1", "--channel", "sms")

    assert "Coût : 3 SMS (1 par abonné, 3 abonnés)" in preview
    assert (
        "Budget SMS du mois : 2 restants sur 2 : il ne couvre que 2 des 3 abonnés, "
        "les autres envois échoueront"
    ) in preview


def test_staff_enrol_by_street_and_announce_to_an_area(app: typer.Typer, hub: Hub) -> None:
    out = arobase(app, "subscribers", "add", "--channel", "sms", "--address", "06 12 34 56 78",
                  "--topic", "travaux", "--consent", "--street", "12 rue de Meaux")  # fmt: skip
    assert "Abonné n° 1 (sms)" in out
    assert export_subscriber(hub, 1)["abonne"]["secteurs"] == ["secteur_a"]
    refused = arobase(app, "subscribers", "add", "--channel", "sms", "--address",
                      "06 12 34 56 79", "--topic", "travaux", "--consent",
                      "--street", "rue de Nulle-Part", ok=False)  # fmt: skip
    assert "n'est pas dans la liste des rues de la commune" in refused

    out = arobase(app, "announce", "Coupure d'eau", "--topic", "travaux",
                  "--area", "secteur_a", "--at", AT)  # fmt: skip
    assert "(thèmes : travaux ; secteurs : secteur_a)" in out
    assert "Secteurs : secteur_a\n" in arobase(app, "messages", "show", "1")
    # The cost counts the area's subscribers only: not one of another street's.
    arobase(app, "subscribers", "add", "--channel", "sms", "--address", "06 12 34 56 77",
            "--topic", "travaux", "--consent", "--street", "Rue de Montceaux")  # fmt: skip
    preview = arobase(app, "messages", "preview", "1", "--channel", "sms")
    assert "Coût : 1 SMS (1 par abonné, 1 abonné)" in preview, preview
    assert "secteur inconnu « nulle_part »" in arobase(
        app, "announce", "Coupure", "--topic", "travaux", "--area", "nulle_part", ok=False
    )


def test_a_web_push_subscription_is_accepted(app: typer.Typer) -> None:
    subscription, _ = make_subscription("http://127.0.0.1:9", "abc")
    arobase(app, "subscribers", "add", "--channel", "webpush", "--address", subscription,
            "--topic", "alertes", "--consent")  # fmt: skip
    assert "webpush" in arobase(app, "subscribers", "list")


def test_an_announcement_is_scheduled_previewed_and_cancelled(app: typer.Typer) -> None:
    out = arobase(app, "announce", "Travaux rue de Meaux", "--body", "Du 1er au 5 décembre.",
                  "--topic", "travaux", "--at", AT)  # fmt: skip
    assert f"Message n° 1 programmé le {AT_SHOWN}" in out
    arobase(app, "subscribers", "add", "--channel", "sms", "--address", "06 12 34 56 78",
            "--topic", "travaux", "--consent")  # fmt: skip
    preview = arobase(app, "messages", "preview", "1")
    for channel in ("telegram", "email", "webpush", "sms", "apprise"):
        assert f"===== {channel} =====" in preview
    assert "Trilport : Travaux rue de Meaux. Du 1er au 5 décembre." in preview
    assert "Coût : 1 SMS (1 par abonné, 1 abonné)" in preview
    assert "<b>Travaux rue de Meaux</b>" in preview
    assert "désabonner" in preview
    assert "scheduled" in arobase(app, "messages", "list")
    assert "(0 envoi annulé)" in arobase(app, "messages", "cancel", "1")
    assert "déjà annulé" in arobase(app, "messages", "cancel", "1", ok=False)
    assert "Aucun envoi" in arobase(app, "deliveries", "stats", "1")


def test_an_announcement_is_unscheduled_and_another_approved(app: typer.Typer, hub: Hub) -> None:
    from notifications.announcements import Composed, get_announcement, save_announcement
    from tests.hub_support import make_test_hub

    arobase(app, "announce", "Travaux rue de Meaux", "--topic", "travaux",
            "--at", AT)  # fmt: skip
    assert "Message n° 1 remis en brouillon." in arobase(app, "messages", "unschedule", "1")
    assert "draft" in arobase(app, "messages", "list", "--status", "draft")
    assert "n'attend pas de validation" in arobase(app, "messages", "approve", "1", ok=False)
    assert "n'est pas parti" in arobase(app, "messages", "retry", "1", ok=False)
    ruled = make_test_hub(hub.settings.database_url, approval_required=True)
    try:
        text = Composed("Marché de Noël", "", None, ("travaux",))
        saved = save_announcement(ruled, text, actor="com@trilport.example", role="editor",
                                  publish=True)  # fmt: skip
    finally:
        ruled.close()
    assert saved.message.status == "awaiting"
    assert "Message n° 2 validé : envoi prévu le" in arobase(app, "messages", "approve", "2")
    found = get_announcement(hub, 2)
    assert (found.message.status, found.approved_by) == ("scheduled", "cli")
    actions = [(e.actor, e.action) for e in audit_entries(hub)]
    for done in [("cli", "annonce remise en brouillon"), ("cli", "annonce validée"),
                 ("com@trilport.example", "annonce soumise à validation")]:  # fmt: skip
        assert done in actions


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
    with caplog.at_level(logging.WARNING, logger="notifications.source_admin"):
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
