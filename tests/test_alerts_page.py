"""The alerts page in a real headless Chromium, against uvicorn serving create_app on a
migrated SQLite hub database.

Chromium's push service is out of reach here (no network, and Playwright's contexts are
incognito, where Chrome has no Push API), so the tests that go all the way replace
`PushManager.prototype.subscribe` with a stand-in that returns a subscription as a browser
would; everything else (service worker, permission, the page's requests, the database) is real.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Worker,
    expect,
)

from arobase.town import Town, load_town
from bot.web.app import create_app
from notifications.hub import Hub
from notifications.subscribers import (
    add_subscriber,
    device_subscribe,
    erase_subscriber,
    find_subscriber,
    get_subscriber,
    list_subscribers,
)
from notifications.vapid import b64url_decode, town_vapid_keys
from tests.browser import CHROMIUM_ARGS, launched_chromium
from tests.hub_support import TOWN_FILE, make_test_hub, migrated_sqlite
from tests.servers import serving
from tests.test_web_alerts import (
    ENDPOINT,
    KEYS,
    PUBLIC_KEY,
    RENEWED,
    app_settings,
    browser_keys,
)

# Whatever the page does, the browser cannot resolve any name but the test server's address.
ISOLATED_ARGS = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
SUBSCRIBE = "Recevoir les alertes sur cet appareil"
STOP = "Ne plus recevoir les alertes sur cet appareil"
# A stand-in for the browser's push service: subscribe() answers with a fixed subscription,
# which outlives the page as a real one does (kept in the origin's storage).
FAKE_PUSH = """
(() => {
  const KEPT = "test-fake-push-subscription";
  const subscription = {
    endpoint: ENDPOINT,
    options: null,
    toJSON() { return { endpoint: this.endpoint, expirationTime: null, keys: KEYS }; },
    unsubscribe() { localStorage.removeItem(KEPT); return Promise.resolve(true); },
  };
  PushManager.prototype.subscribe = function (options) {
    window.__pushOptions = { userVisibleOnly: options.userVisibleOnly,
      key: Array.from(new Uint8Array(options.applicationServerKey)) };
    localStorage.setItem(KEPT, "1");
    return Promise.resolve(subscription);
  };
  PushManager.prototype.getSubscription = function () {
    return Promise.resolve(localStorage.getItem(KEPT) ? subscription : null);
  };
})();
""".replace("ENDPOINT", json.dumps(ENDPOINT)).replace("KEYS", json.dumps(KEYS))


@dataclass
class Site:
    url: str
    hub: Hub


@dataclass
class Watched:
    """What a tab did that the tests check at the end."""

    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium(ISOLATED_ARGS) as chromium:
        yield chromium


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    url = migrated_sqlite(tmp_path_factory.mktemp("hub") / "hub.db")
    hub = make_test_hub(url)
    with serving(create_app(app_settings(url))) as base:
        yield Site(base, hub)
    hub.close()


@pytest.fixture
def clean(site: Site) -> Site:
    """The site with no subscriber left by an earlier test."""
    for info in list_subscribers(site.hub):
        erase_subscriber(site.hub, info.id)
    return site


def open_context(browser: Browser, watched: Watched) -> BrowserContext:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1024, "height": 768})
    context.on("request", lambda request: watched.requests.append(request.url))
    return context


def watch_console(tab: Page, watched: Watched) -> None:
    def record(message: ConsoleMessage) -> None:
        # No favicon is served; Chromium asks for one anyway.
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            watched.console_errors.append(message.text)

    tab.on("console", record)
    tab.on("pageerror", lambda error: watched.console_errors.append(str(error)))


def assert_stayed_home(watched: Watched, base: str) -> None:
    assert watched.requests, "no request was seen"
    strays = [url for url in watched.requests if not url.startswith(base + "/")]
    assert strays == [], "requests left the test server"


@pytest.fixture
def watched() -> Watched:
    return Watched()


@pytest.fixture
def context(browser: Browser, clean: Site, watched: Watched) -> Iterator[BrowserContext]:
    context = open_context(browser, watched)
    yield context
    context.close()
    assert_stayed_home(watched, clean.url)


def open_page(context: BrowserContext, site: Site, watched: Watched) -> Page:
    """The alerts page, once its script has looked at this device."""
    tab = context.new_page()
    watch_console(tab, watched)
    tab.goto(site.url + "/alertes")
    expect(tab.locator("body")).to_have_attribute("data-state", "ready")
    return tab


@pytest.fixture
def page(context: BrowserContext, clean: Site, watched: Watched) -> Iterator[Page]:
    """The alerts page without notification permission; no console error allowed."""
    yield open_page(context, clean, watched)
    assert watched.console_errors == []


@pytest.fixture
def granted(context: BrowserContext, clean: Site, watched: Watched) -> Iterator[Page]:
    """The alerts page with notifications allowed and the stand-in push service."""
    context.grant_permissions(["notifications"], origin=clean.url)
    context.add_init_script(FAKE_PUSH)
    yield open_page(context, clean, watched)
    assert watched.console_errors == []


@pytest.fixture
def notified(
    browser: Browser, clean: Site, watched: Watched
) -> Iterator[tuple[BrowserContext, Page]]:
    """A context allowed to show notifications, and the alerts page in it."""
    context = open_context(browser, watched)
    context.grant_permissions(["notifications"], origin=clean.url)
    yield context, open_page(context, clean, watched)
    context.close()
    assert watched.console_errors == []
    assert_stayed_home(watched, clean.url)


def status(page: Page):
    return page.get_by_role("status")


def town(site: Site) -> Town:
    return site.hub.town


# --- The page ---------------------------------------------------------------------------------


def test_page_is_french_with_a_labelled_checkbox_per_topic(page: Page, clean: Site):
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Recevoir les alertes de la mairie de Trilport"
    )
    expect(page.get_by_role("group", name="Choisissez vos sujets")).to_be_visible()
    topics = town(clean).topics
    expect(page.get_by_role("checkbox")).to_have_count(len(topics))
    for topic in topics.values():
        box = page.get_by_role("checkbox", name=topic.label, exact=True)
        expect(box).to_be_visible()
        expect(box).not_to_be_checked()
        expect(box).to_have_accessible_description(topic.description or "")
    expect(page.get_by_role("button", name=SUBSCRIBE, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=STOP, exact=True)).to_be_hidden()
    expect(status(page)).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("heading", name="Ce que nous gardons")).to_be_visible()
    expect(page.get_by_role("heading", name="Comment arrêter ou changer")).to_be_visible()


def test_clicking_the_description_ticks_the_box(page: Page):
    page.get_by_text("Chantiers, routes fermées et stationnement modifié.").click()

    expect(page.get_by_role("checkbox", name="Travaux", exact=True)).to_be_checked()


def test_everything_is_reachable_with_the_keyboard(page: Page, clean: Site):
    labels = [topic.label for topic in town(clean).topics.values()]
    page.get_by_role("checkbox", name=labels[0], exact=True).focus()
    for label in labels[1:]:
        page.keyboard.press("Tab")
        expect(page.get_by_role("checkbox", name=label, exact=True)).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox", name=labels[-1], exact=True)).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Votre rue (facultatif)")).to_be_focused()
    page.keyboard.press("Tab")

    button = page.get_by_role("button", name=SUBSCRIBE, exact=True)
    expect(button).to_be_focused()
    assert button.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"


def test_the_service_worker_registers_for_the_whole_site(page: Page, clean: Site):
    scope, script = page.evaluate(
        "navigator.serviceWorker.ready.then(r => [r.scope, r.active.scriptURL])"
    )

    assert scope == clean.url + "/"
    assert script == clean.url + "/sw.js"


def test_no_topic_chosen_is_explained(page: Page, clean: Site):
    page.get_by_role("button", name=SUBSCRIBE, exact=True).click()

    expect(status(page)).to_have_text(
        "Cochez au moins un sujet, puis appuyez de nouveau sur le bouton."
    )
    expect(page.get_by_role("checkbox").first).to_be_focused()
    assert list_subscribers(clean.hub) == []


def test_refused_permission_is_explained(page: Page, clean: Site):
    # Headless Chromium answers the permission request with "denied", as a person refusing.
    page.get_by_role("checkbox", name="Travaux", exact=True).check()
    page.get_by_role("button", name=SUBSCRIBE, exact=True).click()

    expect(status(page)).to_contain_text("Les notifications sont bloquées pour ce site.")
    expect(status(page)).to_contain_text("«\u00a0Autoriser\u00a0»")
    assert list_subscribers(clean.hub) == []


def test_browser_without_notifications_is_told_so(
    context: BrowserContext, clean: Site, watched: Watched
):
    context.add_init_script("delete window.PushManager;")
    tab = open_page(context, clean, watched)

    expect(status(tab)).to_contain_text("Ce navigateur ne peut pas recevoir les notifications")
    expect(status(tab)).to_contain_text("iPhone")
    assert watched.console_errors == []


@pytest.mark.parametrize(("width", "height"), [(320, 640), (640, 400)], ids=["mobile", "zoom-200"])
def test_page_reflows_without_horizontal_scrolling(page: Page, width: int, height: int):
    page.set_viewport_size({"width": width, "height": height})

    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_text_and_targets_are_large(page: Page):
    for selector in (".topic-label", ".topic-desc", "#subscribe", ".explain p"):
        size = page.locator(selector).first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert size >= 18, selector
    box = page.get_by_role("checkbox").first.bounding_box()
    assert box is not None and box["width"] >= 24 and box["height"] >= 24


def test_unsubscribe_link_in_the_browser(context: BrowserContext, clean: Site, watched: Watched):
    info = add_subscriber(clean.hub, "email", "jeanne@exemple.example", ["travaux"])
    tab = context.new_page()
    watch_console(tab, watched)
    tab.goto(f"{clean.url}/alertes/desabonnement?jeton={info.token}")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Se désabonner des alertes")
    assert find_subscriber(clean.hub, "email", "jeanne@exemple.example") is not None

    tab.get_by_role("button", name="Me désabonner").click()

    expect(tab.get_by_role("heading", level=1)).to_have_text("Vous êtes désabonné(e)")
    expect(tab.get_by_text("Nous avons effacé vos données.")).to_be_visible()
    assert list_subscribers(clean.hub) == []
    assert watched.console_errors == []


def test_confirm_link_in_the_browser(context: BrowserContext, clean: Site, watched: Watched):
    info = add_subscriber(clean.hub, "email", "jeanne@exemple.example", ["travaux"])
    tab = context.new_page()
    watch_console(tab, watched)
    tab.goto(f"{clean.url}/alertes/confirmer?jeton={info.token}")
    expect(tab.get_by_role("heading", level=1)).to_have_text(
        "Confirmer votre abonnement aux alertes"
    )
    expect(tab.get_by_role("listitem")).to_have_text(["Travaux"])
    assert not get_subscriber(clean.hub, info.id).confirmed

    tab.get_by_role("button", name="Confirmer mon abonnement").click()

    expect(tab.get_by_role("heading", level=1)).to_have_text("Votre abonnement est confirmé")
    assert get_subscriber(clean.hub, info.id).confirmed
    assert watched.console_errors == []


# --- Subscribing and stopping, with notifications allowed --------------------------------------


def test_subscribe_then_change_topics_then_stop(granted: Page, clean: Site):
    page, hub = granted, clean.hub
    page.get_by_role("checkbox", name="Travaux", exact=True).check()
    page.get_by_role("checkbox", name="Écoles", exact=True).check()
    page.get_by_role("button", name=SUBSCRIBE, exact=True).click()

    expect(status(page)).to_have_text(
        "C'est fait. Cet appareil recevra les alertes sur ces sujets\u00a0: Travaux et Écoles."
    )
    info = find_subscriber(hub, "webpush", ENDPOINT)
    assert info is not None and info.topics == ("ecoles", "travaux")
    options: dict[str, Any] = page.evaluate("window.__pushOptions")
    assert options == {"userVisibleOnly": True, "key": list(b64url_decode(PUBLIC_KEY))}
    stop = page.get_by_role("button", name=STOP, exact=True)
    expect(stop).to_be_visible()

    page.get_by_role("checkbox", name="Écoles", exact=True).uncheck()
    page.get_by_role("checkbox", name="Alertes", exact=True).check()
    page.get_by_role("button", name=SUBSCRIBE, exact=True).click()

    expect(status(page)).to_contain_text("C'est enregistré")
    expect(status(page)).to_contain_text("Travaux et Alertes.")
    again = find_subscriber(hub, "webpush", ENDPOINT)
    assert again is not None and again.id == info.id and again.topics == ("alertes", "travaux")

    stop.click()

    expect(status(page)).to_have_text(
        "C'est fait\u00a0: cet appareil ne recevra plus d'alertes. "
        "Nous avons effacé ses informations."
    )
    expect(stop).to_be_hidden()
    expect(page.get_by_role("button", name=SUBSCRIBE, exact=True)).to_be_focused()
    assert list_subscribers(hub) == []


def test_a_subscribed_device_is_recognised_on_the_next_visit(
    granted: Page, context: BrowserContext, clean: Site, watched: Watched
):
    granted.get_by_role("checkbox", name="Travaux", exact=True).check()
    granted.get_by_role("button", name=SUBSCRIBE, exact=True).click()
    expect(granted.get_by_role("button", name=STOP, exact=True)).to_be_visible()
    granted.close()

    tab = open_page(context, clean, watched)

    expect(status(tab)).to_have_text(
        "Cet appareil reçoit les alertes. Vous pouvez changer vos sujets, ou arrêter."
    )
    expect(tab.get_by_role("checkbox", name="Travaux", exact=True)).to_be_checked()
    expect(tab.get_by_role("button", name=STOP, exact=True)).to_be_visible()


# --- The service worker shows what the hub sends ------------------------------------------------


def deliver_push(context: BrowserContext, page: Page, origin: str, payload: dict) -> None:
    """Have Chromium deliver a push message to the page's service worker (DevTools protocol).

    Chromium drops a push sent before DevTools has reported the worker running and activated,
    so the message goes only once those events have come.
    """
    cdp = context.new_cdp_session(page)
    registrations: dict[str, str] = {}  # registration id → scope
    running: set[str] = set()  # registration ids of running, activated workers

    def on_registrations(event: dict) -> None:
        for registration in event["registrations"]:
            if not registration["isDeleted"]:
                registrations[registration["registrationId"]] = registration["scopeURL"]

    def on_versions(event: dict) -> None:
        for version in event["versions"]:
            if (version["runningStatus"], version["status"]) == ("running", "activated"):
                running.add(version["registrationId"])

    cdp.on("ServiceWorker.workerRegistrationUpdated", on_registrations)
    cdp.on("ServiceWorker.workerVersionUpdated", on_versions)
    cdp.send("ServiceWorker.enable")
    ours: list[str] = []
    deadline = time.monotonic() + 10
    while not ours and time.monotonic() < deadline:
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # lets events arrive
        ours = [
            rid for rid, scope in registrations.items() if scope == origin + "/" and rid in running
        ]
    assert ours, "DevTools never reported the service worker running"
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": origin, "registrationId": ours[0], "data": json.dumps(payload)},
    )


SHOWN = """navigator.serviceWorker.ready
  .then(r => r.getNotifications())
  .then(list => list.map(n => ({title: n.title, body: n.body, tag: n.tag,
                               requireInteraction: n.requireInteraction, data: n.data})))"""
# A predicate for wait_for_function, which does not wait for promises: it asks again on
# each animation frame and answers with the latest count it got.
SHOWN_COUNT = """count => {
  navigator.serviceWorker.ready.then(r => r.getNotifications())
    .then(list => { window.__shownCount = list.length; });
  return window.__shownCount === count;
}"""


def shown_notifications(page: Page, count: int) -> list[dict[str, Any]]:
    """The notifications the service worker shows, once there are COUNT of them."""
    page.wait_for_function(SHOWN_COUNT, arg=count, polling=100)
    return page.evaluate(SHOWN)


@pytest.mark.parametrize("urgent", [True, False], ids=["urgent", "ordinary"])
def test_pushed_alert_is_shown_and_urgent_ones_stay(
    notified: tuple[BrowserContext, Page], clean: Site, urgent: bool
):
    context, page = notified
    payload = {
        "title": "URGENT : crue de la Marne" if urgent else "Rue de la Gare fermée",
        "body": "Évitez les bords de Marne.",
        "url": "https://www.trilport.example/actualites/crue",
        "tag": "arobase-42",
        "urgent": urgent,
        "unsubscribe": None,
    }

    deliver_push(context, page, clean.url, payload)

    assert shown_notifications(page, 1) == [
        {
            "title": payload["title"],
            "body": "Évitez les bords de Marne.",
            "tag": payload["tag"],
            "requireInteraction": urgent,
            "data": {"url": "https://www.trilport.example/actualites/crue"},
        }
    ]


def test_a_pushed_alert_offers_its_unsubscribe_link(
    notified: tuple[BrowserContext, Page], clean: Site
):
    context, page = notified
    link = clean.url + "/alertes/desabonnement?jeton=" + "a" * 32
    deliver_push(context, page, clean.url, {"title": "Titre", "unsubscribe": link})

    shown_notifications(page, 1)
    offered = page.evaluate(
        """navigator.serviceWorker.ready.then(r => r.getNotifications())
          .then(list => ({actions: list[0].actions.map(a => ({action: a.action, title: a.title})),
                          data: list[0].data}))"""
    )
    assert offered["actions"] == [{"action": "unsubscribe", "title": "Se désabonner"}]
    assert offered["data"]["unsubscribe"] == link


def test_unsafe_link_in_a_push_is_not_kept(notified: tuple[BrowserContext, Page], clean: Site):
    context, page = notified
    deliver_push(context, page, clean.url, {"title": "Titre", "url": "javascript:alert(1)"})

    shown = shown_notifications(page, 1)
    assert shown[0]["data"] == {"url": clean.url + "/alertes"}
    assert shown[0]["body"] == "" and shown[0]["requireInteraction"] is False


# --- The push service renews a subscription ---------------------------------------------------
# Chromium never fires pushsubscriptionchange by itself (Firefox does), so the tests call the
# worker's handler with what the event carries: the old subscription and, maybe, the new one.

NEW_KEYS = browser_keys()
# In the worker: a stand-in push service that records what it was asked to subscribe with.
FAKE_WORKER_PUSH = """() => {
  PushManager.prototype.subscribe = function (options) {
    self.__pushOptions = {
      userVisibleOnly: options.userVisibleOnly, key: options.applicationServerKey };
    const subscription = { endpoint: RENEWED, expirationTime: null, keys: KEYS };
    return Promise.resolve({ toJSON: () => subscription });
  };
}""".replace("RENEWED", json.dumps(RENEWED)).replace("KEYS", json.dumps(NEW_KEYS))
RENEW_WITH_NEW = """([old, endpoint, keys]) => renewSubscription(
  { endpoint: old, options: null },
  { toJSON: () => ({ endpoint: endpoint, expirationTime: null, keys: keys }) })"""
RENEW_WITHOUT_NEW = "old => renewSubscription({ endpoint: old, options: null }, null)"


def service_worker(context: BrowserContext, page: Page) -> Worker:
    """The site's service worker, running."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    return (context.service_workers or [context.wait_for_event("serviceworker")])[0]


def subscribed_device(site: Site) -> int:
    info, _ = device_subscribe(site.hub, "webpush", ENDPOINT, KEYS, ["travaux", "ecoles"])
    return info.id


def test_a_renewed_subscription_moves_the_topics(
    notified: tuple[BrowserContext, Page], clean: Site
):
    context, page = notified
    subscriber = subscribed_device(clean)

    renewed = service_worker(context, page).evaluate(RENEW_WITH_NEW, [ENDPOINT, RENEWED, NEW_KEYS])

    assert renewed is True
    moved = [(s.id, s.address, s.topics) for s in list_subscribers(clean.hub)]
    assert moved == [(subscriber, RENEWED, ("ecoles", "travaux"))]


def test_without_the_new_subscription_the_worker_subscribes_again(
    notified: tuple[BrowserContext, Page], clean: Site
):
    context, page = notified
    subscriber = subscribed_device(clean)
    worker = service_worker(context, page)
    worker.evaluate(FAKE_WORKER_PUSH)

    renewed = worker.evaluate(RENEW_WITHOUT_NEW, ENDPOINT)

    assert renewed is True
    # The old subscription did not say its server key: the worker asked the town's server.
    assert worker.evaluate("self.__pushOptions") == {"userVisibleOnly": True, "key": PUBLIC_KEY}
    moved = find_subscriber(clean.hub, "webpush", RENEWED)
    assert moved is not None and moved.id == subscriber


def test_a_renewal_for_an_erased_device_records_nothing(
    notified: tuple[BrowserContext, Page], clean: Site
):
    context, page = notified

    renewed = service_worker(context, page).evaluate(RENEW_WITH_NEW, [ENDPOINT, RENEWED, NEW_KEYS])

    assert renewed is False
    assert list_subscribers(clean.hub) == []


# --- The town has not set up Web Push -------------------------------------------------------------


def test_without_web_push_the_page_says_so_at_once(
    browser: Browser, tmp_path: Path, watched: Watched
):
    """No key configured, and none can be made (the data folder is a file)."""
    url = migrated_sqlite(tmp_path / "hub.db")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    settings = app_settings(url, webpush_public_key="", data_dir=blocked)
    with serving(create_app(settings)) as base:
        context = open_context(browser, watched)
        tab = context.new_page()
        tab.goto(base + "/alertes")
        expect(tab.locator("body")).to_have_attribute("data-state", "ready")

        expect(status(tab)).to_contain_text("La mairie ne propose pas encore les alertes")
        context.close()
    assert_stayed_home(watched, base)


def test_with_no_key_configured_the_page_offers_push_alerts(
    browser: Browser, tmp_path: Path, watched: Watched
):
    """`make run` as it comes: the town's key is made in the data folder on first need."""
    url = migrated_sqlite(tmp_path / "hub.db")
    hub = make_test_hub(url)
    settings = app_settings(url, webpush_public_key="", data_dir=tmp_path / "var")
    with serving(create_app(settings)) as base:
        context = open_context(browser, watched)
        context.grant_permissions(["notifications"], origin=base)
        context.add_init_script(FAKE_PUSH)
        tab = context.new_page()
        watch_console(tab, watched)
        tab.goto(base + "/alertes")
        expect(tab.locator("body")).to_have_attribute("data-state", "ready")
        expect(status(tab)).to_have_text("")
        tab.get_by_role("checkbox", name="Travaux", exact=True).check()
        tab.get_by_role("button", name=SUBSCRIBE, exact=True).click()

        expect(status(tab)).to_have_text(
            "C'est fait. Cet appareil recevra les alertes sur ces sujets\u00a0: Travaux."
        )
        options: dict[str, Any] = tab.evaluate("window.__pushOptions")
        context.close()
    generated = town_vapid_keys(settings).public_key
    assert options["key"] == list(b64url_decode(generated))
    assert [(s.address, s.topics) for s in list_subscribers(hub)] == [(ENDPOINT, ("travaux",))]
    hub.close()
    assert watched.console_errors == []
    assert_stayed_home(watched, base)


def test_too_many_changes_are_explained_with_when_to_try_again(
    browser: Browser, tmp_path: Path, watched: Watched
):
    url = migrated_sqlite(tmp_path / "hub.db")
    settings = app_settings(url, alerts_rate="1/minute")
    with serving(create_app(settings)) as base:
        context = open_context(browser, watched)
        context.grant_permissions(["notifications"], origin=base)
        context.add_init_script(FAKE_PUSH)
        tab = context.new_page()
        tab.goto(base + "/alertes")
        expect(tab.locator("body")).to_have_attribute("data-state", "ready")
        tab.get_by_role("checkbox", name="Travaux", exact=True).check()
        tab.get_by_role("button", name=SUBSCRIBE, exact=True).click()
        expect(status(tab)).to_contain_text("C'est fait.")

        tab.get_by_role("checkbox", name="Écoles", exact=True).check()
        tab.get_by_role("button", name=SUBSCRIBE, exact=True).click()

        hall = load_town(TOWN_FILE).main_service
        expect(status(tab)).to_have_text(
            re.compile(
                re.escape(
                    "Beaucoup de demandes sont venues de votre connexion en peu de temps. "
                    "Merci de réessayer dans "
                )
                + r"(1\u00a0seconde|\d\d?\u00a0secondes|1\u00a0minute)\. "
                + re.escape(f"Vous pouvez aussi appeler {hall.short} au {hall.phone}.")
            )
        )
        context.close()
    assert_stayed_home(watched, base)
