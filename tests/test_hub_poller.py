"""The polling pipeline against a fake feed server: silent first poll, 304, new items,
back-off of failing sources, council reminders, hostile feeds failing alone — on SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from notifications.errors import Conflict, InvalidInput, UnknownTopic
from notifications.fetch import make_http_client
from notifications.hub import Hub
from notifications.outbox import release_due
from notifications.poller import PollReport, poll_due
from notifications.source_admin import add_source, list_sources, make_spec, sync_town_sources
from notifications.store.tables import DeliveryRow, ItemRow, MessageRow, SourceRow
from notifications.subscribers import add_subscriber
from tests.fakes.feed_server import FEEDS_DIR, FeedServer, feed_server
from tests.hub_support import FakeClock, make_test_hub, migrated_sqlite
from tests.test_parsing import longest_pause
from tests.test_sources_parse import TOMORROW, ics, vevent

NEW_ARTICLE = b"""<item>
  <title>Fermeture de la rue de Meaux du 1er au 5 d&#233;cembre</title>
  <link>https://www.trilport.example/2026/11/26/rue-de-meaux/</link>
  <guid isPermaLink="false">https://www.trilport.example/?p=4321</guid>
  <category><![CDATA[Travaux]]></category>
  <description><![CDATA[<p>La rue de Meaux sera <strong>ferm&eacute;e</strong>.</p>]]></description>
  <pubDate>Thu, 26 Nov 2026 09:00:00 +0100</pubDate>
</item>
"""


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        yield running


def with_new_article(original: bytes) -> bytes:
    return original.replace(b"<item>", NEW_ARTICLE + b"<item>", 1)


async def poll(hub: Hub) -> dict[str, PollReport]:
    async with make_http_client(allow_local=hub.settings.feeds_allow_local) as client:
        return {report.source: report for report in await poll_due(hub, client)}


def add(hub: Hub, name: str, kind: str, url: str, **options: object) -> None:
    add_source(hub, make_spec(hub, name, kind, url=url, **options))  # type: ignore[arg-type]


def messages(hub: Hub) -> list[MessageRow]:
    with hub.db.session() as session:
        return list(session.scalars(select(MessageRow).order_by(MessageRow.id)))


async def test_first_poll_is_silent_then_new_articles_become_alerts(
    hub: Hub, clock: FakeClock, server: FeedServer
) -> None:
    original = (FEEDS_DIR / "trilport-actualites.rss").read_bytes()
    server.put("site-a.rss", original)
    add(hub, "site", "rss", f"{server.url}/site-a.rss", categories={"Travaux": "travaux"})
    add_subscriber(hub, "telegram", "4242", ["travaux"])

    first = (await poll(hub))["site"]
    assert first.new_items >= 5 and first.messages == 0
    assert messages(hub) == []

    clock.advance(hub.settings.poll_interval)
    assert (await poll(hub))["site"].not_modified
    assert server.last_headers("/site-a.rss").get("if-none-match")

    server.put("site-a.rss", with_new_article(original))
    clock.advance(hub.settings.poll_interval)
    report = (await poll(hub))["site"]
    assert (report.new_items, report.messages) == (1, 1)
    (message,) = messages(hub)
    assert message.title == "Fermeture de la rue de Meaux du 1er au 5 décembre"
    assert message.topics == ["travaux"]
    assert message.body == "La rue de Meaux sera fermée."
    release_due(hub)
    with hub.db.session() as session:
        (delivery,) = session.scalars(select(DeliveryRow)).all()
    assert (delivery.channel, delivery.message_id) == ("telegram", message.id)


async def test_a_source_is_not_polled_before_its_time(hub: Hub, server: FeedServer) -> None:
    add(hub, "site", "rss", f"{server.url}/trilport-actualites.rss")
    assert "site" in await poll(hub)
    assert await poll(hub) == {}


async def test_a_failing_source_backs_off_up_to_six_hours_and_says_why(
    hub: Hub, clock: FakeClock, server: FeedServer
) -> None:
    add(hub, "cassee", "rss", f"{server.url}/status/404")
    delays = []
    for _ in range(7):
        report = (await poll(hub))["cassee"]
        assert report.error and "404" in report.error
        (source,) = list_sources(hub)
        delays.append((source.next_poll_at - clock()).total_seconds())
        clock.set(source.next_poll_at)
    interval = hub.settings.poll_interval
    assert delays == [min(interval * 2**n, 6 * 3600) for n in range(7)]
    (source,) = list_sources(hub)
    assert source.failures == 7
    assert source.state.startswith("en échec (7)") and "404" in source.state


async def test_a_source_that_recovers_is_polled_normally_again(
    hub: Hub, clock: FakeClock, server: FeedServer
) -> None:
    server.put("intermittent.rss", b"<html>maintenance</html>")
    add(hub, "site", "rss", f"{server.url}/intermittent.rss")
    assert "illisible" in ((await poll(hub))["site"].error or "")
    server.put("intermittent.rss", (FEEDS_DIR / "trilport-actualites.rss").read_bytes())
    clock.set(list_sources(hub)[0].next_poll_at)
    assert (await poll(hub))["site"].error is None
    (source,) = list_sources(hub)
    assert (source.failures, source.state) == (0, "ok")


async def test_an_unchanged_feed_after_failures_is_ok_again(
    hub: Hub, clock: FakeClock, server: FeedServer
) -> None:
    original = (FEEDS_DIR / "trilport-actualites.rss").read_bytes()
    server.put("retour.rss", original)
    add(hub, "site", "rss", f"{server.url}/retour.rss")
    await poll(hub)
    server.put("retour.rss", b"<html>maintenance</html>")
    clock.set(list_sources(hub)[0].next_poll_at)
    assert (await poll(hub))["site"].error
    server.put("retour.rss", original)
    clock.set(list_sources(hub)[0].next_poll_at)
    assert (await poll(hub))["site"].not_modified
    (source,) = list_sources(hub)
    assert (source.failures, source.state) == (0, "ok")


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("malformed.xml", "illisible"),
        ("huge", "trop volumineux"),
        ("redirect/9", "redirection"),
    ],
)
async def test_unusable_feeds_are_marked_failing_with_the_reason(
    hub: Hub, server: FeedServer, path: str, reason: str
) -> None:
    add(hub, "mauvais", "rss", f"{server.url}/{path}")
    report = (await poll(hub))["mauvais"]
    assert report.error is not None and reason in report.error
    with hub.db.session() as session:
        assert session.scalars(select(ItemRow)).all() == []


async def test_a_bozo_feed_with_entries_is_accepted_with_a_warning(
    hub: Hub, server: FeedServer
) -> None:
    add(hub, "bozo", "rss", f"{server.url}/bozo.rss")
    report = (await poll(hub))["bozo"]
    assert report.error is None and report.new_items > 0 and report.warning
    (source,) = list_sources(hub)
    assert source.state.startswith("ok, avec un avertissement")


async def test_youtube_uploads_become_video_alerts(
    hub: Hub, clock: FakeClock, server: FeedServer
) -> None:
    original = (FEEDS_DIR / "youtube-channel.xml").read_bytes()
    server.put("yt.xml", original)
    add(hub, "videos", "youtube", f"{server.url}/yt.xml")
    await poll(hub)
    newer = original.replace(b"<yt:videoId>", b"<yt:videoId>new", 1).replace(
        b"<id>yt:video:", b"<id>yt:video:new", 1
    )
    server.put("yt.xml", newer)
    clock.advance(hub.settings.poll_interval)
    assert (await poll(hub))["videos"].messages == 1
    (message,) = messages(hub)
    assert message.title.startswith("Nouvelle vidéo : ") and message.topics == ["videos"]


async def test_council_reminders_are_withdrawn_when_the_meeting_goes_and_restored_if_back(
    hub: Hub, clock: FakeClock, server: FeedServer
) -> None:
    agenda = (FEEDS_DIR / "conseil-municipal.ics").read_bytes()
    server.put("conseil.ics", agenda)
    live = {"livestream": "https://live.example/conseil"}
    add(hub, "conseil", "council", f"{server.url}/conseil.ics", options=live)
    first = (await poll(hub))["conseil"]
    reminders = messages(hub)
    assert first.messages == len(reminders) > 0
    assert all(m.kind == "reminder" and m.topics == ["conseil"] for m in reminders)
    assert all(m.scheduled_at > clock() for m in reminders)
    # Polling the same agenda again creates nothing more.
    clock.advance(hub.settings.poll_interval)
    server.put("conseil.ics", agenda + b"\r\n")
    assert (await poll(hub))["conseil"].messages == 0
    # The agenda is emptied: reminders of meetings that left it are withdrawn.
    empty = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Trilport//FR\r\nEND:VCALENDAR\r\n"
    server.put("conseil.ics", empty)
    clock.advance(hub.settings.poll_interval)
    await poll(hub)
    assert {m.status for m in messages(hub)} == {"withdrawn"}
    # Back on the agenda (an agenda emptied by mistake, say): the reminders are restored.
    server.put("conseil.ics", agenda)
    clock.advance(hub.settings.poll_interval)
    assert (await poll(hub))["conseil"].messages == 0
    assert [m.status for m in messages(hub)] == ["scheduled"] * len(reminders)


def test_bad_sources_are_refused_with_a_reason(hub: Hub, server: FeedServer) -> None:
    feed = f"{server.url}/trilport-actualites.rss"
    other = f"{server.url}/autre.rss"
    add(hub, "site", "rss", feed)
    cases = [
        (lambda: add(hub, "site", "rss", other), Conflict, "déjà"),
        (lambda: add(hub, "copie", "rss", feed), Conflict, "déjà suivie"),
        (lambda: add(hub, "ftp", "rss", "ftp://example.org/feed"), InvalidInput, "adresse"),
        (lambda: add(hub, "x", "podcast", other), InvalidInput, "type de source"),
        (lambda: add(hub, "Mon Site", "rss", other), InvalidInput, "nom invalide"),
        (lambda: add(hub, "t", "rss", other, topic="piscine"), UnknownTopic, "piscine"),
        (lambda: make_spec(hub, "yt", "youtube", channel_id="x"), InvalidInput, "chaîne YouTube"),
    ]
    for attempt, error, reason in cases:
        with pytest.raises(error, match=reason):
            attempt()
    assert [s.name for s in list_sources(hub)] == ["site"]


def test_the_town_file_sources_are_kept_in_step(hub: Hub) -> None:
    assert sorted(sync_town_sources(hub)) == ["conseil", "site", "videos"]
    assert sync_town_sources(hub) == []
    kinds = {s.name: (s.kind, s.origin) for s in list_sources(hub)}
    assert kinds == {
        "conseil": ("council", "town"),
        "site": ("rss", "town"),
        "videos": ("youtube", "town"),
    }
    assert all(s.next_poll_at <= datetime.now(UTC) + timedelta(days=1) for s in list_sources(hub))


# --- hostile feeds ------------------------------------------------------------------------

AGENDA_BOMBS = {
    # 178 bytes that expand to half a million meetings.
    "eclair": (
        ics(vevent("bombe@essai", "Séance éclair", "20200101T090000Z", "RRULE:FREQ=MINUTELY")),
        "événement « Séance éclair » refusé : il se répète plus d'une fois par jour "
        "(RRULE:FREQ=MINUTELY)",
    ),
    "quotidien": (
        ics(vevent("perm@essai", "Permanence", TOMORROW, "RRULE:FREQ=DAILY;COUNT=100000000")),
        "événement « Permanence » refusé : plus de 120 dates dans les 400 jours à venir",
    ),
    "foule": (
        ics(*(vevent(f"r{n}@essai", f"Réunion {n}", TOMORROW) for n in range(5000))),
        "agenda refusé : 5\u00a0000 événements, 1\u00a0000 au plus",
    ),
}


def item_guids(hub: Hub, source: str) -> set[str]:
    with hub.db.session() as session:
        return set(
            session.scalars(select(ItemRow.guid).join(SourceRow).where(SourceRow.name == source))
        )


async def test_hostile_agendas_fail_alone_in_seconds_and_schedule_nothing(
    hub: Hub, server: FeedServer
) -> None:
    for name, (body, _) in AGENDA_BOMBS.items():
        server.put(f"{name}.ics", body)
        add(hub, name, "council", f"{server.url}/{name}.ics")
    add(hub, "site", "rss", f"{server.url}/trilport-actualites.rss")
    started = time.monotonic()
    reports = await poll(hub)
    assert time.monotonic() - started < 15  # before: past 60 s and 1.3 GB for the first one
    assert {name: reports[name].error for name in AGENDA_BOMBS} == {
        name: reason for name, (_, reason) in AGENDA_BOMBS.items()
    }
    assert reports["site"].error is None and reports["site"].new_items == 6
    assert messages(hub) == []  # an agenda's first poll would have scheduled reminders
    assert all(item_guids(hub, name) == set() for name in AGENDA_BOMBS)
    states = {s.name: s.state for s in list_sources(hub)}
    assert states["eclair"] == f"en échec (1) : {AGENDA_BOMBS['eclair'][1]}"


async def test_a_long_feed_gives_its_newest_items_without_holding_the_event_loop(
    tmp_path: Path, clock: FakeClock, server: FeedServer
) -> None:
    # Seconds of parsing: a loaded test machine may need more than the 20 s allowed by default.
    database = migrated_sqlite(tmp_path / "long.db")
    hub = make_test_hub(database, clock, feed_max_items=20, feed_parse_timeout=120)
    try:
        add(hub, "archives", "rss", f"{server.url}/items/18000.rss")
        polling = asyncio.create_task(poll(hub))
        pause = await longest_pause(polling)
        report = (await polling)["archives"]
        warning = "flux de 18\u00a0000 entrées : seules les 20 plus récentes sont lues"
        assert (report.error, report.new_items, report.messages) == (None, 20, 0)
        assert report.warning == warning
        newest = {f"https://long.example/?p={i}" for i in range(17_980, 18_000)}
        assert item_guids(hub, "archives") == newest
        assert list_sources(hub)[0].state == f"ok, avec un avertissement : {warning}"
        # Seconds of parsing; meanwhile the loop (every channel's sends) kept going.
        assert pause < 1, f"the event loop was held {pause:.2f} s"
    finally:
        hub.close()


async def test_a_parse_past_its_time_fails_that_source_only(
    database_url: str, clock: FakeClock, server: FeedServer
) -> None:
    hub = make_test_hub(database_url, clock, feed_parse_timeout=0.3)
    try:
        add(hub, "archives", "rss", f"{server.url}/items/18000.rss")
        add(hub, "site", "rss", f"{server.url}/trilport-actualites.rss")
        reports = await poll(hub)
        reason = "flux trop long à lire (plus de 0,3 s de calcul)"
        assert reports["archives"].error == reason
        assert reports["site"].error is None and reports["site"].new_items == 6
        states = {s.name: s.state for s in list_sources(hub)}
        assert states == {"archives": f"en échec (1) : {reason}", "site": "ok"}
        assert item_guids(hub, "archives") == set()
    finally:
        hub.close()


async def test_feeds_on_this_machine_are_refused_unless_allowed(
    hub: Hub, clock: FakeClock, server: FeedServer
) -> None:
    strict = make_test_hub(hub.settings.database_url, clock, feeds_allow_local=False)
    port = urlsplit(server.url).port
    try:
        for url in [
            f"{server.url}/trilport-actualites.rss",
            f"http://localhost:{port}/flux.rss",
            f"http://127.1:{port}/flux.rss",
            f"http://[::1]:{port}/flux.rss",
            "http://192.168.1.1/flux.rss",
        ]:
            with pytest.raises(InvalidInput) as caught:
                add(strict, "locale", "rss", url)
            assert str(caught.value) == (
                f"adresse refusée « {url} » : elle désigne cette machine ou un réseau privé, "
                "et seuls les flux publics sont lus"
            )
        assert list_sources(hub) == []
        # A source added where local feeds are allowed is refused when read elsewhere.
        add(hub, "site", "rss", f"{server.url}/trilport-actualites.rss")
        hits = server.hits("/trilport-actualites.rss")
        assert (await poll(strict))["site"].error == (
            "adresse refusée : 127.0.0.1 est une adresse de cette machine ou d'un réseau privé "
            "(seuls les flux publics sont lus)"
        )
        assert server.hits("/trilport-actualites.rss") == hits
        clock.set(list_sources(hub)[0].next_poll_at)
        assert (await poll(hub))["site"].new_items == 6
    finally:
        strict.close()
