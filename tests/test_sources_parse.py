"""Source kinds, pure: golden feeds, plain text, topic mapping, YouTube ids, council reminders.

Golden files: tests/data/feeds/<name>.expected.json beside each feed. After a deliberate
change, rewrite them with `python -m tests.test_sources_parse` and review the diff.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from notifications.errors import FetchError, InvalidInput
from notifications.records import MessageDraft, ParsedFeed, ParsedItem, SourceConfig
from notifications.sources import SOURCE_KINDS, get_kind, source_kinds, youtube_feed_url
from notifications.sources.council import CouncilSource, check_options
from notifications.sources.feed import http_link, parse_feed, plain_text, shorten, stable_guid
from notifications.sources.topics import item_topics

FEEDS = Path(__file__).parent / "data" / "feeds"
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # the clock of the golden council agenda
TOWN_TOPICS = {
    "actualites": "Actualités",
    "travaux": "Travaux",
    "ecoles": "Écoles",
    "conseil": "Conseil municipal",
    "evenements": "Événements",
    "videos": "Vidéos",
}
NEWS = SourceConfig(
    name="site", kind="rss", url="https://trilport.example/feed/", topic="actualites"
)
VIDEOS = SourceConfig(
    name="chaine",
    kind="youtube",
    url=youtube_feed_url("UCa1b2c3d4e5f6g7h8i9j0kL"),
    topic="videos",
)
COUNCIL = SourceConfig(
    name="conseil",
    kind="council",
    url="https://trilport.example/agenda/conseil.ics",
    topic="conseil",
    options={"livestream": "https://www.youtube.com/@villedetrilport/live"},
)


def read(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def council_at(now: datetime) -> CouncilSource:
    return CouncilSource(clock=lambda: now)


# --- golden files ------------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def item_json(item: ParsedItem) -> dict[str, Any]:
    return jsonable(
        {
            "guid": item.guid,
            "title": item.title,
            "link": item.link,
            "summary": item.summary,
            "published": item.published,
            "categories": item.categories,
            "facts": item.facts,
        }
    )


def draft_json(draft: MessageDraft) -> dict[str, Any]:
    return jsonable(vars(draft))


def feed_json(feed: ParsedFeed) -> dict[str, Any]:
    return {
        "title": feed.title,
        "warning": feed.warning,
        "items": [item_json(item) for item in feed.items],
    }


def golden_outputs() -> dict[str, dict[str, Any]]:
    """Expected file name → what the code gives now."""
    council = council_at(NOW)
    agenda = council.parse(read("conseil-municipal.ics"), COUNCIL)
    reminders = [
        draft_json(draft)
        for item in agenda.items
        for draft in council.drafts(item, (), COUNCIL, NOW, PARIS)
    ]
    return {
        "trilport-actualites.expected.json": feed_json(
            SOURCE_KINDS["rss"].parse(read("trilport-actualites.rss"), NEWS)
        ),
        "youtube-channel.expected.json": feed_json(
            SOURCE_KINDS["youtube"].parse(read("youtube-channel.xml"), VIDEOS)
        ),
        "bozo.expected.json": feed_json(SOURCE_KINDS["rss"].parse(read("bozo.rss"), NEWS)),
        "conseil-municipal.expected.json": {"feed": feed_json(agenda), "drafts": reminders},
    }


@pytest.mark.parametrize("name", sorted(golden_outputs()))
def test_normalised_output_matches_the_golden_file(name: str) -> None:
    expected = json.loads((FEEDS / name).read_text(encoding="utf-8"))
    assert golden_outputs()[name] == expected


def test_golden_rss_is_clean_plain_text() -> None:
    feed = SOURCE_KINDS["rss"].parse(read("trilport-actualites.rss"), NEWS)
    texts = [text for item in feed.items for text in (item.title, item.summary)]
    assert all("<" not in text and "&" not in text.replace(" & ", "") for text in texts)
    assert not any(bad in text for text in texts for bad in ("alert", "tracker", "color"))
    assert all(len(item.summary) <= 300 for item in feed.items)
    assert any(item.summary.endswith("…") for item in feed.items)  # the long one was cut
    assert all(item.link and item.link.startswith("https://") for item in feed.items)


# --- feed normalisation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>Premier.</p><p>Second.</p>", "Premier. Second."),
        ("Caf&eacute; &amp; th&eacute;", "Café & thé"),
        ("L&#8217;été", "L’été"),
        ("<script>alert('x')</script>visible", "visible"),
        ("<style>p { color: red }</style>visible", "visible"),
        ("un <b>mot</b>, puis <a href='/x'>un lien</a>.", "un mot, puis un lien."),
        ("1 &lt; 2 &gt; 0", "1 < 2 > 0"),
        ("  trop   d'espaces\n\tici ", "trop d'espaces ici"),
        ("<img src=x onerror=alert(1)>texte<br>suite", "texte suite"),
        ("<!-- commentaire -->texte", "texte"),
        ("", ""),
    ],
)
def test_plain_text(markup: str, text: str) -> None:
    assert plain_text(markup) == text


def test_shorten_cuts_on_a_word_boundary() -> None:
    text = " ".join(["conseil", "municipal,", "budget"] * 40)
    short = shorten(text)
    assert len(short) <= 300 and short.endswith("…")
    kept = short.removesuffix("…")
    assert text.startswith(kept) and text[len(kept)] in " ,"
    assert not kept.endswith((",", " "))


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("court", 300, "court"),
        ("x" * 300, 300, "x" * 300),
        ("x" * 400, 300, "x" * 299 + "…"),
        ("un deux trois", 9, "un deux…"),
        ("un, deux trois", 8, "un…"),
    ],
)
def test_shorten(text: str, limit: int, expected: str) -> None:
    assert shorten(text, limit) == expected


def rss(items: str) -> bytes:
    return f'<rss version="2.0"><channel><title>Essai</title>{items}</channel></rss>'.encode()


def test_id_is_the_guid_else_the_link_else_a_hash_of_the_text() -> None:
    feed = SOURCE_KINDS["rss"].parse(
        rss(
            "<item><title>A</title><link>https://x.example/a</link><guid>id-a</guid></item>"
            "<item><title>B</title><link>/b</link></item>"
            "<item><title>C</title><description>Texte C</description></item>"
        ),
        NEWS,
    )
    guids = [item.guid for item in feed.items]
    assert guids[:2] == ["id-a", "https://trilport.example/b"]
    assert guids[2].startswith("sha256:")
    again = SOURCE_KINDS["rss"].parse(
        rss("<item><title>C</title><description>Texte C</description></item>"), NEWS
    )
    changed = SOURCE_KINDS["rss"].parse(
        rss("<item><title>C</title><description>Texte C modifié</description></item>"), NEWS
    )
    assert again.items[0].guid == guids[2] != changed.items[0].guid


def test_summary_falls_back_to_content_and_dates_may_be_missing() -> None:
    feed = SOURCE_KINDS["rss"].parse(
        rss(
            '<item xmlns:content="http://purl.org/rss/1.0/modules/content/"><title>T</title>'
            "<content:encoded><![CDATA[<p>Le <b>contenu</b></p>]]></content:encoded></item>"
        ),
        NEWS,
    )
    assert feed.items[0].summary == "Le contenu"
    assert feed.items[0].published is None


def test_an_item_without_title_is_named_from_its_summary() -> None:
    feed = SOURCE_KINDS["rss"].parse(
        rss("<item><description>Coupure d'eau rue Pasteur demain matin.</description></item>"),
        NEWS,
    )
    assert feed.items[0].title == "Coupure d'eau rue Pasteur demain matin."


def test_links_that_are_not_web_addresses_are_dropped() -> None:
    feed = SOURCE_KINDS["rss"].parse(
        rss("<item><title>T</title><guid>g</guid><link>javascript:alert(1)</link></item>"), NEWS
    )
    assert feed.items[0].link is None


def test_a_bozo_feed_with_entries_is_read_with_a_warning() -> None:
    feed = SOURCE_KINDS["rss"].parse(read("bozo.rss"), NEWS)
    assert [item.title for item in feed.items] == ["Loto de l’été", "Brocante de septembre"]
    assert feed.warning is not None and "undefined entity" in feed.warning


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (read("malformed.xml"), "ce n'est pas un flux RSS ou Atom"),
        (b"<html><head><title>Accueil</title></head><body>Bienvenue</body></html>", "RSS"),
        (b"", "RSS ou Atom"),
        (b"\x00\xff\xfe des octets", "not well-formed"),
        (b"<rss><channel><title>Coup", "flux illisible"),
    ],
)
def test_unreadable_feeds_are_refused_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(FetchError, match=r"^flux illisible : ") as caught:
        SOURCE_KINDS["rss"].parse(body, NEWS)
    assert reason in str(caught.value)


def test_a_body_naming_a_local_file_is_not_opened(tmp_path: Path) -> None:
    secret = tmp_path / "secret.rss"
    secret.write_bytes(rss("<item><title>secret</title><guid>s</guid></item>"))
    with pytest.raises(FetchError, match="flux illisible"):
        SOURCE_KINDS["rss"].parse(str(secret).encode(), NEWS)


def test_item_drafts_one_alert_now_with_a_bounded_dedupe_key() -> None:
    feed = SOURCE_KINDS["rss"].parse(read("trilport-actualites.rss"), NEWS)
    item = feed.items[0]
    [draft] = SOURCE_KINDS["rss"].drafts(item, ("travaux",), NEWS, NOW, PARIS)
    assert draft == MessageDraft(
        title=item.title,
        body=item.summary,
        link=item.link,
        topics=("travaux",),
        scheduled_at=NOW,
        kind="item",
        dedupe_key="item:site:https://trilport.example/?p=4812",
    )
    long = ParsedItem(guid="https://x.example/?" + "a" * 400, title="T", link=None, summary="",
                      published=None)  # fmt: skip
    other = ParsedItem(guid=long.guid + "b", title="T", link=None, summary="", published=None)
    [first] = SOURCE_KINDS["rss"].drafts(long, (), NEWS, NOW, PARIS)
    [second] = SOURCE_KINDS["rss"].drafts(other, (), NEWS, NOW, PARIS)
    assert first.dedupe_key and second.dedupe_key
    assert len(first.dedupe_key) <= 300 and first.dedupe_key.startswith("item:site:sha256:")
    assert first.dedupe_key != second.dedupe_key


def test_youtube_drafts_say_it_is_a_video() -> None:
    feed = SOURCE_KINDS["youtube"].parse(read("youtube-channel.xml"), VIDEOS)
    [draft] = SOURCE_KINDS["youtube"].drafts(feed.items[1], ("videos",), VIDEOS, NOW, PARIS)
    assert draft.title == "Nouvelle vidéo : Les vœux du maire 2026"
    assert draft.link == "https://www.youtube.com/watch?v=bQ7r_Lm2ZzE"
    assert draft.dedupe_key == "item:chaine:yt:video:bQ7r_Lm2ZzE"


# --- topics ------------------------------------------------------------------------------

RULES = SourceConfig(
    name="site",
    kind="rss",
    url="https://trilport.example/feed/",
    topic="actualites",
    categories={
        "Vie scolaire": "ecoles",
        "agenda": "evenements",
        "Voirie": "travaux",
        "Périscolaire": "Écoles",  # a rule may name the topic by its label
        "Sport": "sport",  # not a topic of the town
    },
)


@pytest.mark.parametrize(
    ("categories", "topics"),
    [
        (["Vie scolaire"], ("ecoles",)),
        (["VIE SCOLAIRE", "Enfance & jeunesse"], ("ecoles",)),
        (["Agenda"], ("evenements",)),
        (["Périscolaire"], ("ecoles",)),
        (["periscolaire"], ("ecoles",)),
        (["Travaux"], ("travaux",)),
        (["travaux"], ("travaux",)),
        (["Écoles"], ("ecoles",)),
        (["ECOLES"], ("ecoles",)),
        (["Conseil Municipal"], ("conseil",)),
        (["Le conseil municipal"], ("conseil",)),
        (["Evenements"], ("evenements",)),
        (["Voirie", "Travaux"], ("travaux",)),
        (["Agenda", "Événements"], ("evenements",)),
        (["Travaux", "Agenda"], ("travaux", "evenements")),
        (["Agenda", "Travaux"], ("evenements", "travaux")),
        (["Environnement"], ("actualites",)),
        (["Sport"], ("actualites",)),
        ([], ("actualites",)),
    ],
)
def test_item_topics(categories: list[str], topics: tuple[str, ...]) -> None:
    assert item_topics(categories, RULES, TOWN_TOPICS) == topics


def test_item_topics_are_only_topics_of_the_town() -> None:
    orphan = SourceConfig(name="s", kind="rss", url="https://x.example/", topic="disparu")
    assert item_topics(["Environnement"], orphan, TOWN_TOPICS) == ()
    assert item_topics(["Travaux"], orphan, TOWN_TOPICS) == ("travaux",)


# --- YouTube -----------------------------------------------------------------------------

FEED = "https://www.youtube.com/feeds/videos.xml?channel_id="


@pytest.mark.parametrize(
    ("given", "channel_id"),
    [
        ("UCa1b2c3d4e5f6g7h8i9j0kL", "UCa1b2c3d4e5f6g7h8i9j0kL"),
        ("  UC-_AAAAAAAAAAAAAAAAAAAA\n", "UC-_AAAAAAAAAAAAAAAAAAAA"),
        ("https://www.youtube.com/channel/UCa1b2c3d4e5f6g7h8i9j0kL", "UCa1b2c3d4e5f6g7h8i9j0kL"),
    ],
)
def test_youtube_feed_url(given: str, channel_id: str) -> None:
    assert youtube_feed_url(given) == FEED + channel_id


@pytest.mark.parametrize(
    "given",
    [
        "",
        "UCa1b2c3",
        "UCa1b2c3d4e5f6g7h8i9j0kLX",
        "UUa1b2c3d4e5f6g7h8i9j0kL",
        "UCa1b2c3d4e5f6g7h8i9j0k!",
        "UCa1b2c3d4e5f6g7h8i9j0kL&x=1",
        "@villedetrilport",
        "https://www.youtube.com/@villedetrilport",
        "https://evil.example/channel/UCa1b2c3d4e5f6g7h8i9j0kL",
    ],
)
def test_youtube_channel_ids_are_checked(given: str) -> None:
    with pytest.raises(InvalidInput, match="identifiant de chaîne YouTube invalide"):
        youtube_feed_url(given)


def test_registry() -> None:
    assert {name: kind.kind for name, kind in SOURCE_KINDS.items()} == {
        "rss": "rss", "youtube": "youtube", "council": "council",
    }  # fmt: skip
    with pytest.raises(InvalidInput, match="type de source inconnu « atom » : rss, youtube ou"):
        get_kind("atom")
    # A registry with its own clock: the council window follows it.
    later = source_kinds(clock=lambda: NOW + timedelta(days=70))  # 4 February 2027
    meetings = get_kind("council", later).parse(read("conseil-municipal.ics"), COUNCIL).items
    assert [item.guid for item in meetings][:1] == [MARCH]


# --- council agenda ----------------------------------------------------------------------


def agenda(now: datetime = NOW, body: bytes | None = None) -> dict[str, ParsedItem]:
    feed = council_at(now).parse(body or read("conseil-municipal.ics"), COUNCIL)
    return {item.guid: item for item in feed.items}


DECEMBER = "cm-2026-12@trilport.example@2026-12-10T19:30:00+00:00"  # 20h30 in Paris
MARCH = "cm-2027-03@trilport.example@2027-03-29T06:30:00+00:00"  # 8h30, the day after DST


def reminders(guid: str, now: datetime, config: SourceConfig = COUNCIL) -> list[MessageDraft]:
    return council_at(now).drafts(agenda(now)[guid], (), config, now, PARIS)


def test_agenda_skips_cancelled_meetings_and_expands_recurring_ones() -> None:
    uids = [guid.split("@")[0] for guid in agenda()]
    assert "cm-2027-01" not in uids  # STATUS:CANCELLED
    commissions = [guid for guid in agenda() if guid.startswith("commission-travaux@")]
    # 4th Thursdays: 22 October is before the window, 24 December is an EXDATE.
    assert commissions == [
        "commission-travaux@trilport.example@2026-11-26T17:30:00+00:00",
        "commission-travaux@trilport.example@2027-01-28T17:30:00+00:00",
    ]


def test_reminders_two_days_before_and_on_the_day() -> None:
    drafts = reminders(DECEMBER, NOW)
    assert [(d.dedupe_key, d.scheduled_at) for d in drafts] == [
        (f"council:conseil:{DECEMBER}:j2", datetime(2026, 12, 8, 9, 0, tzinfo=PARIS)),
        (f"council:conseil:{DECEMBER}:j0", datetime(2026, 12, 10, 8, 0, tzinfo=PARIS)),
    ]
    assert [d.title for d in drafts] == [
        "Conseil municipal le jeudi 10 décembre à 20h30",
        "Conseil municipal aujourd'hui à 20h30",
    ]
    assert drafts[0].body.splitlines() == [
        "Lieu : Salle du conseil, mairie de Trilport, 1 place de la Mairie",
        "À suivre en direct : https://www.youtube.com/@villedetrilport/live",
        "Ordre du jour : 1. Budget primitif 2027 ; 2. Tarifs de la cantine et du périscolaire ;"
        " 3. Rénovation de l'école Jules-Ferry ; 4. Questions diverses.",
    ]
    assert all(d.kind == "reminder" and d.topics == ("conseil",) for d in drafts)
    assert all(d.link == "https://trilport.example/conseil-municipal/seance-du-10-decembre-2026/"
               for d in drafts)  # fmt: skip


def test_within_two_days_only_the_day_of_reminder_remains() -> None:
    now = datetime(2026, 12, 9, 10, 0, tzinfo=PARIS)
    [draft] = reminders(DECEMBER, now)
    assert draft.dedupe_key is not None and draft.dedupe_key.endswith(":j0")
    assert draft.scheduled_at == datetime(2026, 12, 10, 8, 0, tzinfo=PARIS)


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 12, 10, 12, 0, tzinfo=PARIS),  # the day, after the morning reminder
        datetime(2026, 12, 10, 21, 0, tzinfo=PARIS),  # during the meeting
    ],
)
def test_no_reminder_once_their_time_has_passed(now: datetime) -> None:
    assert reminders(DECEMBER, now) == []


def test_reminders_keep_local_time_across_daylight_saving() -> None:
    # The clocks go forward on Sunday 28 March 2027, between the two reminders.
    j2, j0 = reminders(MARCH, NOW)
    assert j2.scheduled_at == datetime(2027, 3, 27, 8, 0, tzinfo=UTC)  # 9h00 CET (+01:00)
    assert j2.scheduled_at.astimezone(PARIS).strftime("%H:%M %z") == "09:00 +0100"
    # Before 10h, the day-of reminder comes two hours ahead: 6h30 CEST (+02:00).
    assert j0.scheduled_at == datetime(2027, 3, 29, 4, 30, tzinfo=UTC)
    assert j0.scheduled_at.astimezone(PARIS).strftime("%H:%M %z") == "06:30 +0200"
    assert j2.title == "Conseil municipal extraordinaire le lundi 29 mars à 8h30"


def test_reminder_hour_and_topics_come_from_the_source() -> None:
    config = SourceConfig(
        name="conseil", kind="council", url=COUNCIL.url, topic="conseil",
        options={"remind_at": "18:30"},
    )  # fmt: skip
    council = council_at(NOW)
    [item] = [i for i in council.parse(read("conseil-municipal.ics"), config).items
              if i.guid == DECEMBER]  # fmt: skip
    j2, _ = council.drafts(item, ("evenements",), config, NOW, PARIS)
    assert j2.scheduled_at == datetime(2026, 12, 8, 18, 30, tzinfo=PARIS)
    assert j2.topics == ("evenements",)
    assert "À suivre en direct" not in j2.body  # no livestream in these options


FLOATING_AND_ALL_DAY = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Essai//FR
BEGIN:VEVENT
UID:mensuel@essai
DTSTAMP:20200101T000000Z
DTSTART:20200107T190000
RRULE:FREQ=MONTHLY;BYDAY=1TU
SUMMARY:Conseil municipal
END:VEVENT
BEGIN:VEVENT
UID:journee@essai
DTSTAMP:20200101T000000Z
DTSTART;VALUE=DATE:20261201
SUMMARY:Journée portes ouvertes de la mairie
END:VEVENT
END:VCALENDAR
""".encode()


def test_an_open_ended_rule_from_years_ago_yields_the_coming_meetings() -> None:
    monthly = [item for item in agenda(body=FLOATING_AND_ALL_DAY).values()
               if item.guid.startswith("mensuel@")]  # fmt: skip
    starts = [item.facts["start"].astimezone(PARIS) for item in monthly]
    assert starts[0] == datetime(2026, 12, 1, 19, 0, tzinfo=PARIS)  # floating: Paris time
    assert starts[-1] == datetime(2027, 12, 7, 19, 0, tzinfo=PARIS)
    assert len(starts) == 13
    assert all(start.hour == 19 for start in starts)  # summer and winter alike
    assert max(starts) - NOW < timedelta(days=400)


def test_all_day_meetings_have_no_hour_in_their_reminders() -> None:
    [item] = [i for i in agenda(body=FLOATING_AND_ALL_DAY).values() if i.guid.startswith("jour")]
    j2, j0 = council_at(NOW).drafts(item, (), COUNCIL, NOW, PARIS)
    assert j2.title == "Journée portes ouvertes de la mairie le mardi 1er décembre"
    assert j0.title == "Journée portes ouvertes de la mairie aujourd'hui"
    assert j2.scheduled_at == datetime(2026, 11, 29, 9, 0, tzinfo=PARIS)
    assert j0.scheduled_at == datetime(2026, 12, 1, 8, 0, tzinfo=PARIS)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body>Agenda</body></html>",
        read("trilport-actualites.rss"),
        b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:demain\nEND:VEVENT\nEND:VCALENDAR\n",
        b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nSUMMARY:Sans date\nEND:VEVENT\nEND:VCALENDAR\n",
    ],
)
def test_unreadable_agendas_are_refused(body: bytes) -> None:
    with pytest.raises(FetchError, match=r"^agenda ICS illisible : ") as caught:
        council_at(NOW).parse(body, COUNCIL)
    assert caught.value.__cause__ is not None


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"remind_at": "9h"}, "heure de rappel invalide « 9h »"),
        ({"timezone": "Europe/Trilport"}, "fuseau horaire inconnu"),
        ({"livestream": "ftp://x.example/live"}, "lien du direct invalide"),
    ],
)
def test_council_options_are_checked(options: dict[str, str], reason: str) -> None:
    check_options({"remind_at": "07:45", "timezone": "Europe/Paris"})
    with pytest.raises(InvalidInput, match=reason):
        check_options(options)


def write_golden_files() -> None:
    for name, output in golden_outputs().items():
        text = json.dumps(output, ensure_ascii=False, indent=2) + "\n"
        (FEEDS / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write_golden_files()


def test_what_would_not_fit_the_database_is_hashed_or_left_out() -> None:
    base = "https://www.trilport.example/"
    long_link = base + "?" + "a" * 2100
    assert http_link(long_link, base) is None  # items.link holds 2,000 characters
    assert http_link(long_link[:1990], base) == long_link[:1990]
    long_guid = "uid-" + "x" * 1200
    assert stable_guid(long_guid) == stable_guid(long_guid) != long_guid
    assert len(stable_guid(long_guid)) <= 1000 and stable_guid("court") == "court"


# --- bounds: items per reading, agenda expansion ------------------------------------------


def dated_rss(hours: list[int | None]) -> bytes:
    """An RSS feed whose article i is published HOURS[i] hours after 1 January 2026 (None:
    undated), in that order."""
    items = "".join(
        f"<item><title>A{i}</title><guid>g{i}</guid>"
        + (
            f"<pubDate>{format_datetime(EPOCH_2026 + timedelta(hours=h))}</pubDate>"
            if h is not None
            else ""
        )
        + "</item>"
        for i, h in enumerate(hours)
    )
    return rss(items)


EPOCH_2026 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("hours", "kept", "warning"),
    [
        ([1, 2, 3], ["g0", "g1", "g2"], None),
        # Oldest first: the newest three are the last, kept in the document's order.
        (
            [1, 2, 3, 4, 5],
            ["g2", "g3", "g4"],
            "flux de 5 entrées : seules les 3 plus récentes sont lues",
        ),
        (
            [5, 4, 3, 2, 1],
            ["g0", "g1", "g2"],
            "flux de 5 entrées : seules les 3 plus récentes sont lues",
        ),
        (
            [9, 1, 8, 2, 7],
            ["g0", "g2", "g4"],
            "flux de 5 entrées : seules les 3 plus récentes sont lues",
        ),
        # Equal dates: the earlier in the document first.
        (
            [1, 1, 1, 1],
            ["g0", "g1", "g2"],
            "flux de 4 entrées : seules les 3 plus récentes sont lues",
        ),
        # One undated entry: no order by date, the first ones as listed.
        (
            [1, 2, None, 4, 5],
            ["g0", "g1", "g2"],
            "flux de 5 entrées : seules les 3 premières sont lues",
        ),
    ],
)
def test_a_feed_gives_at_most_max_items_the_newest(
    hours: list[int | None], kept: list[str], warning: str | None
) -> None:
    feed = source_kinds(max_items=3)["rss"].parse(dated_rss(hours), NEWS)
    assert ([item.guid for item in feed.items], feed.warning) == (kept, warning)


def test_the_warnings_of_a_long_bozo_feed_add_up() -> None:
    feed = source_kinds(max_items=1)["rss"].parse(read("bozo.rss"), NEWS)
    assert [item.title for item in feed.items] == ["Brocante de septembre"]
    assert feed.warning == (
        "flux mal formé : undefined entity (ligne 8, colonne 39) ; "
        "flux de 2 entrées : seule la plus récente est lue"
    )
    long = dated_rss(list(range(1200)))
    assert parse_feed(long, NEWS, 2).warning == (
        "flux de 1\u00a0200 entrées : seules les 2 plus récentes sont lues"
    )


def vevent(uid: str, summary: str, start: str, *lines: str) -> str:
    extra = "".join(f"{line}\r\n" for line in lines)
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\n"
        f"SUMMARY:{summary}\r\n{extra}END:VEVENT\r\n"
    )


def ics(*events: str) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Essai//FR\r\n" + "".join(events)
            + "END:VCALENDAR\r\n").encode()  # fmt: skip


TOMORROW = "20261127T180000Z"  # NOW is 26 November 2026, noon


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SECONDLY",
        "FREQ=MINUTELY",
        "FREQ=HOURLY;INTERVAL=12",
        "FREQ=DAILY;BYHOUR=9,18",
        "FREQ=WEEKLY;BYMINUTE=0,30;BYDAY=MO",
        "FREQ=MONTHLY;BYSECOND=0,1;BYMONTHDAY=1",
    ],
)
def test_rules_repeating_more_than_daily_are_refused_naming_the_event(rule: str) -> None:
    body = ics(
        vevent("ok@essai", "Conseil municipal", TOMORROW),
        vevent("bombe@essai", "Séance éclair", "20200101T090000Z", f"RRULE:{rule}"),
    )
    message = (
        f"événement « Séance éclair » refusé : il se répète plus d'une fois par jour (RRULE:{rule})"
    )
    with pytest.raises(FetchError) as caught:
        council_at(NOW).parse(body, COUNCIL)
    assert str(caught.value) == message


@pytest.mark.parametrize("count", [120, 121, 100_000_000])
def test_an_event_gives_at_most_120_dates_in_the_window(count: int) -> None:
    body = ics(vevent("perm@essai", "Permanence", TOMORROW, f"RRULE:FREQ=DAILY;COUNT={count}"))
    if count > 120:
        with pytest.raises(FetchError) as caught:
            council_at(NOW).parse(body, COUNCIL)
        assert str(caught.value) == (
            "événement « Permanence » refusé : plus de 120 dates dans les 400 jours à venir"
        )
        return
    feed = CouncilSource(clock=lambda: NOW, max_items=200).parse(body, COUNCIL)
    assert len(feed.items) == 120 and feed.warning is None


def test_an_agenda_gives_at_most_500_dates_in_the_window() -> None:
    # Five commissions twice a week: 115 dates each in 400 days, 575 in all.
    twice_a_week = "RRULE:FREQ=WEEKLY;BYDAY=MO,TH"
    body = ics(
        *(vevent(f"c{n}@essai", f"Commission {n}", TOMORROW, twice_a_week) for n in range(5))
    )
    with pytest.raises(FetchError) as caught:
        council_at(NOW).parse(body, COUNCIL)
    assert str(caught.value) == "agenda refusé : plus de 500 séances dans les 400 jours à venir"
    fewer = ics(
        *(vevent(f"c{n}@essai", f"Commission {n}", TOMORROW, twice_a_week) for n in range(4))
    )
    assert len(CouncilSource(lambda: NOW, max_items=500).parse(fewer, COUNCIL).items) == 4 * 115


@pytest.mark.parametrize("events", [1000, 1001, 5000])
def test_an_agenda_has_at_most_1000_events(events: int) -> None:
    past = [vevent(f"e{n}@essai", f"Réunion {n}", "20200101T090000Z") for n in range(events)]
    body = ics(*past)
    if events <= 1000:
        assert council_at(NOW).parse(body, COUNCIL).items == ()  # all before the window
        return
    with pytest.raises(FetchError) as caught:
        council_at(NOW).parse(body, COUNCIL)
    count = f"{events:,}".replace(",", "\u00a0")
    assert str(caught.value) == f"agenda refusé : {count} événements, 1\u00a0000 au plus"


def test_an_agenda_gives_its_soonest_meetings_up_to_max_items() -> None:
    body = ics(vevent("hebdo@essai", "Commission", TOMORROW, "RRULE:FREQ=WEEKLY;COUNT=55"))
    feed = CouncilSource(clock=lambda: NOW, max_items=50).parse(body, COUNCIL)
    starts = [item.facts["start"] for item in feed.items]
    assert starts[0] == datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    assert starts == [starts[0] + timedelta(weeks=n) for n in range(50)]
    assert feed.warning == "agenda de 55 séances : seules les 50 prochaines sont lues"
