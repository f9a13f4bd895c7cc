"""The HTML of the counter's start page: the form that enrols a resident and the one that
finds a subscriber by exact address. Links are relative to their page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from arobase.hours_text import capitalize
from arobase.streets import MAX_STREET
from bot.web.console.announcement_form import checkbox, described, field_block
from bot.web.console.auth import relative
from bot.web.console.render import COUNTER_PATH, ERROR_ID, attr, escape, form, message
from bot.web.street_choice import street_datalist
from notifications import COUNTER_WAYS, DEFAULT_QUIET_HOURS, enrolment_address

ENROL_PATH = COUNTER_PATH + "/inscrire"
FIND_PATH = COUNTER_PATH + "/rechercher"
EXPORT_PATH = COUNTER_PATH + "/exporter"
ERASE_PATH = COUNTER_PATH + "/effacer"
DEFAULT, NO_QUIET = "defaut", "aucune"  # the « heures_calmes » choices
AGREED = "oui"  # the value of the consent's checkbox
AGREED_LABEL = "La personne a donné son accord"
INVALID = ' aria-invalid="true"'
FIND_ID = "recherche-adresse"  # the lookup's address (the enrolment's is "adresse")
PRIVACY_HINT = (
    "Par respect de la vie privée, seule l'adresse exacte retrouve un abonné : il n'y a ni "
    "recherche approchée, ni liste des abonnés."
)
QUIET_HINT = "Pendant ces heures, les alertes ordinaires attendent ; les urgentes partent."
STREET_HINT = (
    "Pour que la personne ne reçoive que les alertes de son quartier ; sans rue, elle reçoit "
    "celles de toute la commune. Seul le secteur de la rue est gardé."
)
CONFIRM_HINT = (
    "La personne reçoit un message pour confirmer son inscription ; aucune alerte ne part "
    "avant sa confirmation."
)


class Offer(NamedTuple):
    """What the counter's forms offer: the channels staff may enrol on (with how residents
    hear them: « par e-mail »), the town's topics with their labels, the commune's streets."""

    channels: Mapping[str, str]
    topics: Mapping[str, str]
    streets: Sequence[str] = ()


@dataclass
class Enrolment:
    """The enrolment form's values, as typed."""

    channel: str = ""
    address: str = ""
    topics: list[str] = field(default_factory=list)
    street: str = ""
    quiet: str = DEFAULT
    how: str = ""
    agreed: bool = False


@dataclass(frozen=True)
class Outcome:
    """A form's outcome on the start page: a message, whether it is an error, and the field
    it is about (for aria-invalid)."""

    text: str = ""
    error: bool = False
    invalid: str | None = None


def address_field(
    ident: str, channels: Sequence[str], value: str, invalid: bool, hint: str = ""
) -> str:
    """The address input, named for the offered CHANNELS (an e-mail input when e-mail alone)."""
    forms = [enrolment_address(name) for name in channels]
    words = " ou ".join(dict.fromkeys(label for label, _ in forms))
    kinds = {kind for _, kind in forms}
    kind = kinds.pop() if len(kinds) == 1 else "text"  # one input type fits every channel
    # autocomplete off: the agent's browser would offer the agent's own address.
    control = (
        f'<input id="{ident}" name="adresse" type="{kind}" autocomplete="off" required '
        f'spellcheck="false" maxlength="2000" value="{attr(value)}"'
        f"{described(ident, bool(hint), invalid)}>"
    )
    return field_block(ident, capitalize(words), control, hint)


def street_field(value: str, streets: Sequence[str], invalid: bool) -> list[str]:
    """The person's street, the commune's STREETS offered as the agent types; none when the
    town lists no streets."""
    datalist = street_datalist("rues", streets)
    if not datalist:
        return []
    # autocomplete off: the agent's browser would offer the agent's own address.
    control = (
        f'<input id="rue" name="rue" type="text" list="rues" autocomplete="off" '
        f'maxlength="{MAX_STREET}" value="{attr(value)}"{described("rue", True, invalid)}>'
        f"\n        {datalist}"
    )
    return [field_block("rue", "Rue de la personne (facultatif)", control, STREET_HINT)]


def radio(name: str, value: str, label: str, checked: bool, extra: str = "") -> str:
    """A radio button in the look of the topics' boxes (announcement_form.checkbox)."""
    return checkbox(name, value, label, checked, extra).replace(
        'type="checkbox"', 'type="radio"', 1
    )


def group(legend: str, items: list[str], invalid: bool, hint: str = "", name: str = "") -> str:
    """A fieldset of boxes or radios; an invalid one points at the error (its inputs carry
    aria-invalid), a HINT is read with the legend."""
    ids = ([f"{name}-hint"] if hint else []) + ([ERROR_ID] if invalid else [])
    describedby = f' aria-describedby="{" ".join(ids)}"' if ids else ""
    hint_html = f'        <p class="hint" id="{name}-hint">{escape(hint)}</p>\n' if hint else ""
    rows = "\n".join(items)
    return (
        f'      <fieldset class="topics"{describedby}>\n'
        f"        <legend>{escape(legend)}</legend>\n{hint_html}"
        f'        <ul class="topic-list">\n{rows}\n        </ul>\n'
        "      </fieldset>"
    )


def channel_choice(channels: Mapping[str, str], chosen: str, invalid: bool) -> str:
    """The channel: radios when several are offered, else a hidden field (the address's
    label says which)."""
    if len(channels) == 1:
        return f'      <input type="hidden" name="canal" value="{attr(next(iter(channels)))}">'
    extra = " required" + (INVALID if invalid else "")
    items = [
        radio("canal", name, capitalize(phrase), name == chosen, extra)
        for name, phrase in channels.items()
    ]
    return group("Canal", items, invalid)


def enrol_fields(offer: Offer, typed: Enrolment, bad: str | None) -> list[str]:
    """The enrolment form's fields; BAD names the one the error is about."""
    channels, topics, streets = offer

    def extra(name: str, required: bool = False) -> str:
        return (" required" if required else "") + (INVALID if bad == name else "")

    boxes = [
        checkbox("themes", key, label, key in typed.topics, extra("themes"))
        for key, label in topics.items()
    ]
    none = typed.quiet == NO_QUIET
    quiet = [
        radio("heures_calmes", DEFAULT, f"De {quiet_words()} (conseillé)", not none),
        radio("heures_calmes", NO_QUIET, "Aucune : les alertes arrivent à toute heure", none),
    ]
    ways = [
        radio(
            "comment",
            way.value,
            capitalize(way.label),
            way.value == typed.how,
            extra("comment", True),
        )
        for way in COUNTER_WAYS
    ]
    agreed = checkbox("accord", AGREED, AGREED_LABEL, typed.agreed, extra("accord", True))
    return [
        channel_choice(channels, typed.channel or next(iter(channels), ""), bad == "canal"),
        address_field("adresse", list(channels), typed.address, bad == "adresse"),
        group("Thèmes (au moins un)", boxes, bad == "themes"),
        *street_field(typed.street, streets, bad == "rue"),
        group("Heures calmes", quiet, False, QUIET_HINT, "calme"),
        group("Comment la personne a donné son accord", ways, bad == "comment"),
        group("Consentement", [agreed], bad == "accord", CONFIRM_HINT, "accord"),
    ]


def find_fields(channels: Mapping[str, str], typed: tuple[str, str], invalid: bool) -> list[str]:
    """The lookup form's fields: the channel and the exact address, with the privacy hint."""
    channel, address = typed
    return [
        channel_choice(channels, channel or next(iter(channels), ""), False),
        address_field(FIND_ID, list(channels), address, invalid, PRIVACY_HINT),
    ]


def start_body(
    nav: str,
    csrf: str,
    offer: Offer,
    typed: tuple[Enrolment, tuple[str, str]],
    enrolled: Outcome = Outcome(),
    found: Outcome = Outcome(),
    here: str = COUNTER_PATH,
) -> str:
    """The counter's start page at HERE (a refused form shows it at its own address): what it
    OFFERS, TYPED (the forms' values), each form's outcome above it."""
    enrolment, lookup = typed
    enrol_form = form(
        relative(here, ENROL_PATH),
        csrf,
        enrol_fields(offer, enrolment, enrolled.invalid),
        "Inscrire",
    )
    find_form = form(
        relative(here, FIND_PATH),
        csrf,
        find_fields(offer.channels, lookup, found.invalid == "adresse"),
        "Retrouver",
    )
    return "\n".join(
        part
        for part in (
            nav,
            '    <h2 id="inscrire">Inscrire un habitant</h2>',
            message(enrolled.text, error=enrolled.error),
            enrol_form,
            '    <h2 id="retrouver">Retrouver un abonné</h2>',
            message(found.text, error=found.error),
            find_form,
        )
        if part
    )


def quiet_words() -> str:
    """The default quiet hours in words: « 22:00 à 07:00 »."""
    return DEFAULT_QUIET_HOURS.replace("-", " à ")
