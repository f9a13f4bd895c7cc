"""A resident signs up for e-mail alerts in Chromium, from the /alertes page: the
confirmation e-mail reaches an aiosmtpd server through the worker's SMTP adapter, the resident
confirms from its link, and the next alert reaches the address."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from bot.web.app import create_app
from notifications.hub import Hub
from notifications.messages import announce
from notifications.outbox import release_due
from notifications.subscribers import find_subscriber
from tests import test_hub_email_journey as journey
from tests.browser import console_errors, launched_chromium
from tests.fakes.smtp import FakeSmtp
from tests.fakes.tls import Certificate
from tests.hub_support import make_test_hub, migrated_sqlite
from tests.servers import serving
from tests.test_alerts_page import ISOLATED_ARGS
from tests.test_web_alerts import app_settings

certificate = journey.certificate
smtp = journey.smtp

ADDRESS = "marcel.durand@exemple.example"


def in_a_thread(work: Coroutine[Any, Any, None]) -> None:
    """Run WORK (the worker) on its own event loop: Playwright's sync API holds this one."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(work)
        except BaseException as error:  # re-raised in the test's thread
            failure.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(90)
    assert not thread.is_alive(), "the worker did not finish"
    if failure:
        raise failure[0]


@contextmanager
def resident_tab(tmp_path: Path) -> Iterator[tuple[str, Page, Hub]]:
    """The web app on a fresh hub, and a Chromium tab whose console must stay free of errors."""
    database = migrated_sqlite(tmp_path / "hub.db")
    hub = make_test_hub(database)
    try:
        with (
            serving(create_app(app_settings(database))) as base,
            launched_chromium(ISOLATED_ARGS) as chromium,
        ):
            tab = chromium.new_context(locale="fr-FR").new_page()
            errors = console_errors(tab)
            yield base, tab, hub
            assert errors == []
    finally:
        hub.close()


def test_a_resident_signs_up_by_e_mail_confirms_and_receives_an_alert(
    tmp_path: Path, smtp: FakeSmtp, certificate: Certificate
) -> None:
    with resident_tab(tmp_path) as (base, tab, hub):
        tab.goto(base + "/alertes")
        tab.get_by_role("link", name="Recevoir les alertes par e-mail").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Recevoir les alertes par e-mail")
        tab.get_by_label("Votre adresse e-mail").fill(ADDRESS)
        tab.get_by_role("group", name="Choisissez vos sujets").get_by_label("Travaux").check()
        tab.get_by_role("button", name="Recevoir les alertes par e-mail").click()
        expect(tab.get_by_text("un e-mail vient de lui être envoyé")).to_be_visible()

        in_a_thread(journey.deliver(hub, smtp, certificate, 1))
        (request,) = smtp.received.items()
        assert request.rcpt_tos == (ADDRESS,)
        tab.goto(base + journey.link(request.part("plain"), "/alertes/confirmer"))
        tab.get_by_role("button", name="Confirmer mon abonnement").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Votre abonnement est confirmé")
        info = find_subscriber(hub, "email", ADDRESS)
        assert info is not None and info.confirmed

        announce(hub, "Rue de Meaux fermée", body="Du 1er au 5 décembre.", topics=["travaux"])
        release_due(hub)
        in_a_thread(journey.deliver(hub, smtp, certificate, 2))
        alert = smtp.received.items()[-1]
        assert alert.rcpt_tos == (ADDRESS,)
        assert alert.message["Subject"] == "[Trilport] Rue de Meaux fermée"
