"""`arobase staff`: accounts added with a password read from the standard input or with a
one-time link, listed, disabled and reset; bad input refused with a French reason and exit
code 1; no password ever printed."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyotp
import pytest
from typer.testing import CliRunner

from cli import app
from notifications.hub import Hub
from notifications.staff import (
    LoginRefused,
    audit_entries,
    list_staff,
    log_in,
    session_of,
    set_password,
)
from notifications.staff_totp import confirm_totp, totp_setup
from tests.hub_support import FakeClock, command_environment

runner = CliRunner()
EMAIL = "secretariat@mairie-trilport.fr"
PASSWORD = "une longue phrase de passe"
LINK = re.compile(r"^http://alertes\.test/console/mot-de-passe\?jeton=([A-Za-z0-9_-]{43})$", re.M)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, hub: Hub, clock: FakeClock) -> None:
    command_environment(monkeypatch, hub.settings.database_url)
    # The commands run on the system's clock: the test's hub reads the same time.
    clock.set(datetime.now(UTC))


def arobase(*args: str, ok: bool = True, stdin: str | None = None) -> str:
    result = runner.invoke(app, ["staff", *args], input=stdin)
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def link_token(output: str) -> str:
    found = LINK.search(output)
    assert found, output
    return found.group(1)


def test_an_account_added_with_a_password_from_stdin_logs_in(hub: Hub) -> None:
    out = arobase("add", EMAIL, "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert out == f"Compte créé : {EMAIL} (admin).\n"
    assert [(e.actor, e.action, e.detail) for e in audit_entries(hub)] == [
        ("cli", "ajout de compte", f"{EMAIL} (admin)")
    ]
    _, session = log_in(hub, EMAIL, PASSWORD, client="test")
    assert session.account.role == "admin"


def test_an_account_added_without_a_password_gets_a_one_time_link(hub: Hub) -> None:
    out = arobase("add", EMAIL, "--role", "agent")
    assert out.startswith(f"Compte créé : {EMAIL} (agent).\nLien à usage unique, valable 1 jour")
    set_password(hub, link_token(out), PASSWORD)
    log_in(hub, EMAIL, PASSWORD, client="test")


def test_accounts_are_listed_with_their_state() -> None:
    assert arobase("list") == "Aucun compte.\n"
    arobase("add", "b@mairie-trilport.fr", "--role", "editor")
    arobase("add", "a@mairie-trilport.fr", "--role", "admin", "--password-stdin", stdin=PASSWORD)
    arobase("add", "c@mairie-trilport.fr", "--role", "agent", "--password-stdin", stdin=PASSWORD)
    arobase("disable", "c@mairie-trilport.fr")
    lines = arobase("list").splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["a@mairie-trilport.fr", "admin"],
        ["b@mairie-trilport.fr", "editor"],
        ["c@mairie-trilport.fr", "agent"],
    ]
    states = [line.split(maxsplit=2)[2].split(" (créé le")[0] for line in lines]
    assert states == ["actif", "en attente de son mot de passe", "désactivé"]


def test_disable_and_reset(hub: Hub) -> None:
    arobase("add", EMAIL, "--role", "editor", "--password-stdin", stdin=PASSWORD)
    token, _ = log_in(hub, EMAIL, PASSWORD, client="test")
    out = arobase("reset", EMAIL)
    assert session_of(hub, token) is None
    assert out.startswith(f"Compte réinitialisé : mot de passe effacé, sessions fermées ({EMAIL}).")
    with pytest.raises(LoginRefused):
        log_in(hub, EMAIL, PASSWORD, client="test")
    set_password(hub, link_token(out), "une toute nouvelle phrase")
    out = arobase("disable", EMAIL)
    assert out == f"Compte désactivé : {EMAIL} ; ses sessions sont fermées.\n"
    assert not list_staff(hub)[0].active


@pytest.mark.parametrize(
    ("args", "stdin", "reason"),
    [
        (("add", EMAIL, "--role", "maire"), None, "rôle inconnu « maire » : admin, editor, agent"),
        (("add", "secretariat", "--role", "agent"), None, "il manque le @"),
        (
            ("add", EMAIL, "--role", "agent", "--password-stdin"),
            "court\n",
            "au moins 12 caractères",
        ),
        (("add", EMAIL, "--role", "agent", "--password-stdin"), "", "aucun mot de passe lu"),
        (("add", EMAIL, "--role", "agent", "--password-stdin"), EMAIL, "une adresse e-mail"),
        (("disable", "personne@mairie-trilport.fr"), None, "aucun compte « personne@"),
        (("reset", "personne@mairie-trilport.fr"), None, "aucun compte « personne@"),
    ],
)
def test_bad_input_is_refused(
    hub: Hub, args: tuple[str, ...], stdin: str | None, reason: str
) -> None:
    out = arobase(*args, ok=False, stdin=stdin)
    assert out.startswith("Erreur : ") and reason in out
    if stdin and stdin != EMAIL:
        assert stdin.strip() not in out
    assert list_staff(hub) == []


def test_an_address_taken_is_refused(hub: Hub) -> None:
    arobase("add", EMAIL, "--role", "agent")
    out = arobase("add", EMAIL.upper(), "--role", "admin", ok=False)
    assert out == f"Erreur : un compte existe déjà pour « {EMAIL} »\n"
    assert [a.role for a in list_staff(hub)] == ["agent"]


def test_reset_removes_the_second_factor_of_a_lost_phone(hub: Hub, clock: FakeClock) -> None:
    arobase("add", EMAIL, "--role", "admin", "--password-stdin", stdin=PASSWORD)
    account = list_staff(hub)[0]
    secret = totp_setup(hub, account).secret
    confirm_totp(hub, account, pyotp.TOTP(secret).at(clock.moment))
    assert arobase("list").split(" (créé le")[0].split(maxsplit=2)[2] == (
        "actif, double authentification"
    )

    out = arobase("reset", EMAIL)

    assert out.splitlines()[1] == (
        "Sa double authentification, s'il en avait une, est retirée : la personne pourra "
        "la réactiver dans la console."
    )
    assert not list_staff(hub)[0].has_totp
    assert audit_entries(hub)[0].detail == f"{EMAIL} ; double authentification retirée"
    set_password(hub, link_token(out), "une toute nouvelle phrase")
    log_in(hub, EMAIL, "une toute nouvelle phrase", client="test")  # no code asked
    assert secret not in out
