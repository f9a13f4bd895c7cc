"""The SMS channel: numbers, texts and their cost, and the sender against a loopback gateway
(apprise's json:// service, the number appended to the gateway's path)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from notifications.channels import get_plugin, validate_address
from notifications.channels.sms_sender import SmsChannel, build, gateway_target
from notifications.channels.sms_text import MAX_SEGMENTS, gsm_friendly, sms_cost, sms_text
from notifications.errors import InvalidAddress
from notifications.links import ELLIPSIS_TOKEN
from notifications.records import Outcome
from tests.fakes.envelopes import UNSUBSCRIBE_URL, envelope, notice
from tests.fakes.webhook import FakeWebhook
from tests.servers import closed_port_url

NUMBER = "+33612345678"


# --- Numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "06 12 34 56 78",
        "0612345678",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "+33 6 12 34 56 78",
        "+33612345678",
        "0033 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        " 06 12 34 56 78 ",
    ],
)
def test_a_french_mobile_in_any_usual_spelling_is_stored_in_e164(typed: str) -> None:
    assert validate_address("sms", typed) == (NUMBER, {})


def test_other_french_mobiles_are_taken_too() -> None:
    assert validate_address("sms", "07 81 23 45 67")[0] == "+33781234567"
    assert validate_address("sms", "+590 690 12 34 56")[0] == "+590690123456"  # Guadeloupe


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("01 60 09 87 65", "« 01 60 09 87 65 » est un numéro de téléphone fixe"),
        ("09 51 23 45 67", "fixe : les SMS partent vers un portable (06 ou 07)"),
        ("bonjour", "« bonjour » n'est pas un numéro de téléphone"),
        ("06 12", "« 06 12 » n'est pas un numéro de téléphone valide"),
        ("06 12 34 56 78 90 12", "n'est pas un numéro de téléphone valide"),
        ("+32 470 12 34 56", "seuls les numéros de portable français"),
        ("0" * 41, "ce numéro de téléphone est trop long"),
        ("", "l'adresse est vide"),
    ],
)
def test_a_landline_a_foreign_number_or_garbage_is_refused_in_french(
    typed: str, reason: str
) -> None:
    with pytest.raises(InvalidAddress) as refused:
        validate_address("sms", typed)
    assert reason in str(refused.value)


# --- Texts and their cost ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("Coupure à 8 h, rue Pasteur : écoles fermées", "GSM-7", 43, 1),
        ("€" * 80, "GSM-7", 160, 1),  # an extension character takes two septets
        ("€" * 81, "GSM-7", 162, 2),
        ("fête" + "a" * 66, "UCS-2", 70, 1),
        ("fête" + "a" * 67, "UCS-2", 71, 2),
        ("🎉" * 35, "UCS-2", 70, 1),  # an emoji takes two UTF-16 units
        # A two-unit character is never split between two segments.
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),  # the € starts the second one
        ("a" * 151 + "€" + "a" * 151, "GSM-7", 304, 2),
        ("a" * 304 + "€", "GSM-7", 306, 2),
        ("a" * 66 + "🎉" + "a" * 66, "UCS-2", 134, 3),
        ("a" * 65 + "🎉" + "a" * 65, "UCS-2", 132, 2),
    ],
)
def test_the_cost_counts_gsm7_and_ucs2_segments(
    text: str, encoding: str, units: int, segments: int
) -> None:
    cost = sms_cost(text)
    assert (cost.encoding, cost.units, cost.segments) == (encoding, units, segments)


def test_french_letters_missing_from_gsm7_take_their_nearest_gsm7_letter() -> None:
    text = "Fête de l'œuf à Noël : « entrée » – sûr, maïs, ça… Été, où, Ç"
    friendly = gsm_friendly(text)
    assert friendly == 'Fete de l\'oeuf à Noel : "entrée" - sur, mais, ca... Été, où, Ç'
    assert sms_cost(friendly).encoding == "GSM-7"


def test_a_short_alert_is_whole_with_its_link_and_the_link_to_stop() -> None:
    text = sms_text(envelope("sms", NUMBER))
    link = "https://trilport.example/actualites/travaux?rue=pasteur&jour=mardi"
    assert text == (
        "Trilport : Travaux rue Pasteur. Coupure d'eau à Trilport mardi de 8 h à 12 h. "
        f"{link} Stop : {UNSUBSCRIBE_URL}"
    )
    assert sms_cost(text).segments == 2


def test_a_long_body_is_cut_at_a_word_so_that_the_alert_costs_two_sms() -> None:
    body = " ".join(f"mot{n}" for n in range(200))
    text = sms_text(envelope("sms", NUMBER, notice(title="Crue", body=body, urgent=True)))
    assert text.startswith("Trilport : URGENT : Crue. mot0 mot1 ")
    assert text.endswith(
        f"... https://trilport.example/actualites/travaux?rue=pasteur&jour=mardi"
        f" Stop : {UNSUBSCRIBE_URL}"
    )
    cost = sms_cost(text)
    assert cost.segments == MAX_SEGMENTS
    # Not one word more would fit.
    kept = text.split(". ", 1)[1].split("...")[0].split()
    assert f"mot{len(kept)}" not in text


def test_an_overlong_headline_gives_way_to_the_links() -> None:
    title = "Très " * 120
    text = sms_text(envelope("sms", NUMBER, notice(title=title, body="")))
    assert text.startswith("Trilport : Très Très ")  # è is in GSM-7
    assert text.endswith(
        f"... https://trilport.example/actualites/travaux?rue=pasteur&jour=mardi"
        f" Stop : {UNSUBSCRIBE_URL}"
    )
    assert sms_cost(text).segments == MAX_SEGMENTS


def test_a_link_too_long_for_two_sms_is_left_out_never_the_link_to_stop() -> None:
    long_link = "https://trilport.example/actualites/" + "x" * 400
    text = sms_text(envelope("sms", NUMBER, notice(link=long_link)))
    assert long_link not in text
    assert text.endswith(f"12 h. Stop : {UNSUBSCRIBE_URL}")
    assert sms_cost(text).segments <= MAX_SEGMENTS


def test_newlines_and_tabs_of_a_feed_become_spaces() -> None:
    text = sms_text(envelope("sms", NUMBER, notice(title="Crue\nde la\tMarne", body="a\n\nb")))
    assert text.startswith("Trilport : Crue de la Marne. a b ")


def test_braces_and_odd_characters_in_a_title_are_only_text() -> None:
    text = sms_text(envelope("sms", NUMBER, notice(title="{0} {x} %s", body="{}", link=None)))
    assert text == f"Trilport : {{0}} {{x}} %s. {{}} Stop : {UNSUBSCRIBE_URL}"


def test_a_digest_lists_its_headlines() -> None:
    notices = [notice(title=f"Alerte {n}", message_id=n) for n in range(1, 4)]
    text = sms_text(envelope("sms", NUMBER, *notices, kind="digest"))
    assert text == (
        "Trilport : 3 nouvelles du 24 novembre 2026 : Alerte 1 ; Alerte 2 ; Alerte 3 "
        f"Stop : {UNSUBSCRIBE_URL}"
    )


def test_the_preview_says_what_the_alert_costs() -> None:
    shown = get_plugin("sms").render(envelope("sms", NUMBER))
    assert shown.startswith("Trilport : Travaux rue Pasteur.")
    assert shown.endswith("(220 caractères GSM-7 : 2 SMS par abonné)")
    short = get_plugin("sms").render(
        envelope("sms", NUMBER, notice(body="", link=None), unsubscribe_url=None)
    )
    assert short.endswith("(30 caractères GSM-7 : 1 SMS par abonné)")
    # In a preview the subscriber's token is "…": counted as long as the real one.
    link = f"https://trilport.example/alertes/desabonnement?jeton={ELLIPSIS_TOKEN}"
    previewed = envelope("sms", NUMBER, notice(body="", link=None), unsubscribe_url=link)
    assert (
        get_plugin("sms")
        .render(previewed)
        .endswith(
            f"Stop : https://trilport.example/alertes/desabonnement?jeton=...\n\n"
            f"({len('Trilport : Travaux rue Pasteur Stop : ') + len(link) - 1 + 32} caractères "
            "GSM-7 : 1 SMS par abonné)"
        )
    )


# --- The sender --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gateway", "target"),
    [
        (
            "smseagle://TOKEN@sms.trilport.example",
            "smseagle://TOKEN@sms.trilport.example/+33612345678",
        ),
        ("json://relay.example/sms/", "json://relay.example/sms/+33612345678"),
        ("json://relay.example/sms?priority=1", "json://relay.example/sms/+33612345678?priority=1"),
    ],
)
def test_the_number_goes_at_the_end_of_the_gateway_path(gateway: str, target: str) -> None:
    assert gateway_target(gateway, NUMBER) == target


@pytest.fixture
async def channel(webhook: FakeWebhook) -> AsyncIterator[SmsChannel]:
    channel = SmsChannel(f"json://user:s3cret@{webhook.host_port}/sms", timeout=5)
    yield channel
    await channel.aclose()


async def test_the_gateway_receives_the_text_for_the_number(
    channel: SmsChannel, webhook: FakeWebhook
) -> None:
    sent = envelope("sms", NUMBER)

    result = await channel.send(sent)

    assert result.outcome is Outcome.SENT
    [post] = webhook.posts.items()
    assert post.path == f"/sms/{NUMBER}"
    assert post.user == "user"
    assert post.message == sms_text(sent)
    assert post.title == ""
    # Neither the gateway's secret nor the number is kept in the delivery's detail.
    assert "s3cret" not in result.detail and NUMBER not in result.detail


async def test_a_refusing_gateway_means_try_again(
    channel: SmsChannel, webhook: FakeWebhook
) -> None:
    webhook.fail_next(1, status=500)

    result = await channel.send(envelope("sms", NUMBER))

    assert result.outcome is Outcome.RETRY
    assert "la passerelle n'a pas accepté le SMS" in result.detail
    assert not webhook.posts.items()


async def test_an_unreachable_gateway_means_try_again() -> None:
    channel = SmsChannel(f"json://{closed_port_url().removeprefix('http://')}/sms", timeout=2)
    result = await channel.send(envelope("sms", NUMBER))
    assert result.outcome is Outcome.RETRY


async def test_an_invalid_gateway_url_is_told_without_its_secret() -> None:
    channel = SmsChannel("pasunservice://s3cret@nulle-part")
    result = await channel.send(envelope("sms", NUMBER))
    assert result.outcome is Outcome.RETRY
    assert result.detail == "la passerelle SMS (AROBASE_SMS_GATEWAY) est invalide"


def test_no_gateway_no_sms_channel(tmp_path) -> None:
    from arobase.settings import Settings

    assert build(Settings(_env_file=None, data_dir=tmp_path)) is None  # type: ignore[call-arg]
    configured = Settings(
        _env_file=None,
        data_dir=tmp_path,
        sms_gateway="json://127.0.0.1:9/sms",  # type: ignore[call-arg]
    )
    assert isinstance(build(configured), SmsChannel)
