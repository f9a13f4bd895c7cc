"""The commune's content file: services, hours, closures, procedures and topics."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Literal, Protocol, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from opening_hours import OpeningHours, ParserError
from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from arobase.errors import TownContentError
from arobase.streets import street_index

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
# Any French 10-digit number passes; samples use the range ARCEP keeps for fiction (01 99 00 xx xx).
Phone = Annotated[str, StringConstraints(pattern=r"^0[1-9]( \d\d){4}$")]
SchoolZone = Literal["A", "B", "C"]  # the three zones of the national school calendar
# Weekdays as in OpenStreetMap opening hours, lower case, in the order of date.weekday().
Weekday = Literal["mo", "tu", "we", "th", "fr", "sa", "su"]
WEEKDAY_KEYS: tuple[str, ...] = get_args(Weekday)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _KeyedError(ValueError):
    """A validation error that knows which key, below the validated object, is wrong."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key = key


def _check_opening_hours(value: str) -> str:
    # The library documents SyntaxError but raises its own ParserError (opening-hours-py 2.x).
    try:
        OpeningHours(value)
    except (ParserError, SyntaxError) as exc:
        where = re.search(r"--> \d+:(\d+)", str(exc))
        at = f", vers le caractère {where.group(1)}" if where else ""
        raise ValueError(f"syntaxe opening_hours invalide : « {value} »{at}") from None
    return value


class Commune(_Frozen):
    name: Text
    timezone: str = "Europe/Paris"
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "FR"
    website: HttpUrl | None = None
    main_service: Key = "mairie"
    school_zone: SchoolZone | None = None  # None: the assistant has no school holiday dates

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"fuseau horaire inconnu : {value}") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Service(_Frozen):
    key: Key
    name: Text
    short: Text  # the name inside a sentence, with its article: "la mairie", "le CCAS"
    gender: Literal["f", "m"]  # for agreement: "ouverte" / "ouvert"
    plural: bool = False  # "les services techniques sont ouverts"
    address: Text
    phone: Phone
    email: EmailStr
    opening_hours: Text
    note: Text | None = None

    _opening_hours_syntax = field_validator("opening_hours")(_check_opening_hours)


class Closure(_Frozen):
    """Dated exception: closed (no hours) or special hours, for some or all services."""

    start: dt.date = Field(alias="date")
    end: dt.date | None = Field(default=None, alias="until")
    reason: Text
    services: list[Key] | None = None  # None: every service
    hours: Text | None = None  # OSM time spans, e.g. "08:30-12:00"; None: closed all day

    @property
    def last_day(self) -> dt.date:
        return self.end or self.start

    def covers(self, service_key: str, day: dt.date) -> bool:
        in_scope = self.services is None or service_key in self.services
        return in_scope and self.start <= day <= self.last_day

    @model_validator(mode="after")
    def _ordered(self) -> Closure:
        if self.end is not None and self.end < self.start:
            raise _KeyedError("until", f"« until » ({self.end}) est avant « date » ({self.start})")
        if self.hours is not None:
            try:
                _check_opening_hours(self.hours)
            except ValueError as exc:
                raise _KeyedError("hours", str(exc)) from None
        return self


class Link(_Frozen):
    label: Text
    url: HttpUrl


class Procedure(_Frozen):
    key: Key
    title: Text
    answer: Text
    documents: list[Text] = []
    cost: Text | None = None
    delay: Text | None = None
    where: Key | None = None  # a service key; None when it is done elsewhere (online, prefecture)
    links: list[Link] = []
    checked: dt.date


class Topic(_Frozen):
    key: Key
    label: Text
    description: Text | None = None


_HHMM = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
_YOUTUBE_CHANNEL = Annotated[str, StringConstraints(pattern=r"^UC[A-Za-z0-9_-]{22}$")]


class FeedSource(_Frozen):
    """A publication the notification hub polls: the website's RSS, YouTube, the council."""

    key: Key
    kind: Literal["rss", "youtube", "council"]
    url: HttpUrl | None = None  # rss, council (ICS agenda); youtube: computed from channel_id
    channel_id: _YOUTUBE_CHANNEL | None = None  # youtube
    topic: Key | None = None  # default topic of its items (rss: actualites, youtube: videos…)
    categories: dict[str, Key] = {}  # rss: category on the website → topic
    livestream: HttpUrl | None = None  # council: where meetings are streamed
    remind_at: _HHMM | None = None  # council: hour of the reminder two days before

    @model_validator(mode="after")
    def _where(self) -> FeedSource:
        if self.kind == "youtube" and self.channel_id is None and self.url is None:
            raise _KeyedError("channel_id", "identifiant de chaîne YouTube manquant (UC…)")
        if self.kind != "youtube" and self.url is None:
            raise _KeyedError("url", "adresse du flux manquante")
        return self


class Area(_Frozen):
    """A part of the commune, e.g. a waste collection sector, with its streets."""

    key: Key
    name: Text  # as said to residents: "Secteur A"
    aliases: list[Text] = []  # other names residents use, for the assistant's synonyms
    streets: list[Text] = []  # « Rue de Meaux »: a resident picks their area by street


class Season(_Frozen):
    """Months of the year, both included; from > to wraps over the new year (11 to 3)."""

    start: int = Field(alias="from")
    end: int = Field(alias="to")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _month(cls, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
            raise ValueError(f"mois invalide « {value} » : un nombre de 1 (janvier) à 12 attendu")
        return value

    def covers(self, day: dt.date) -> bool:
        if self.start <= self.end:
            return self.start <= day.month <= self.end
        return day.month >= self.start or day.month <= self.end


class WasteCollection(_Frozen):
    """One kind of waste: its collection days (for every area, or per area), or only a note
    for waste that is not collected (glass: drop-off points)."""

    label: Text
    days: list[Weekday] = []  # every area
    area_days: dict[Key, list[Weekday]] = {}  # area key → days
    season: Season | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _days(self) -> WasteCollection:
        if self.days and self.area_days:
            raise _KeyedError("area_days", "« days » ou « area_days », pas les deux")
        if not (self.days or self.area_days or self.note):
            raise _KeyedError(
                "days", "jours de collecte manquants (ou une « note » s'il n'y a pas de collecte)"
            )
        return self


class Waste(_Frozen):
    collections: list[WasteCollection]
    put_out: Text  # when to put the bins out, for the whole commune
    holidays: Text | None = None  # what changes on public holidays
    dechetterie: Key | None = None  # the service key of the waste disposal site


class Report(_Frozen):
    """Where a resident's report of a problem goes."""

    key: Key
    label: Text  # inside a sentence: "un problème de voirie"
    service: Key
    advice: Text | None = None


class StaffAnswer(_Frozen):
    """An answer staff wrote in the console (issue 11), given without retraining to a
    question close enough to one of QUESTIONS (arobase/staff_answers.py)."""

    key: Key
    questions: Annotated[list[Text], Field(min_length=1)]
    answer: Text
    checked: dt.date


class Town(_Frozen):
    commune: Commune
    services: dict[Key, Service]
    closures: list[Closure] = []
    procedures: dict[Key, Procedure]
    topics: dict[Key, Topic]
    sources: dict[Key, FeedSource] = {}
    areas: dict[Key, Area] = {}
    waste: Waste | None = None
    reports: dict[Key, Report] = {}
    answers: dict[Key, StaffAnswer] = {}  # staff-written, usually from the console's edits

    @model_validator(mode="after")
    def _references(self) -> Town:
        main = self.commune.main_service
        if main not in self.services:
            raise _KeyedError("commune.main_service", f"service inconnu « {main} »")
        for index, closure in enumerate(self.closures):
            for key in closure.services or []:
                if key not in self.services:
                    raise _KeyedError(f"closures.{index}.services", f"service inconnu « {key} »")
        for key, procedure in self.procedures.items():
            if procedure.where is not None and procedure.where not in self.services:
                raise _KeyedError(
                    f"procedures.{key}.where", f"service inconnu « {procedure.where} »"
                )
        self._check_source_topics()
        self._check_waste()
        self._check_streets()
        for key, report in self.reports.items():
            if report.service not in self.services:
                raise _KeyedError(f"reports.{key}.service", f"service inconnu « {report.service} »")
        return self

    def _check_streets(self) -> None:
        try:
            street_index({key: area.streets for key, area in self.areas.items()})
        except ValueError as twice:
            raise _KeyedError("areas", str(twice)) from twice

    @property
    def streets(self) -> dict[str, str]:
        """Each street's key (arobase/streets.py) → its area's key."""
        return street_index({key: area.streets for key, area in self.areas.items()})

    def _check_waste(self) -> None:
        if self.waste is None:
            return
        site = self.waste.dechetterie
        if site is not None and site not in self.services:
            raise _KeyedError("waste.dechetterie", f"service inconnu « {site} »")
        for index, collection in enumerate(self.waste.collections):
            for area in collection.area_days:
                if area not in self.areas:
                    raise _KeyedError(
                        f"waste.collections.{index}.area_days.{area}", f"secteur inconnu « {area} »"
                    )

    def _check_source_topics(self) -> None:
        for key, source in self.sources.items():
            if source.topic is not None and source.topic not in self.topics:
                raise _KeyedError(f"sources.{key}.topic", f"thème inconnu « {source.topic} »")
            for category, topic in source.categories.items():
                if topic not in self.topics:
                    raise _KeyedError(
                        f"sources.{key}.categories.{category}", f"thème inconnu « {topic} »"
                    )

    @property
    def main_service(self) -> Service:
        return self.services[self.commune.main_service]

    def closures_for(self, service_key: str) -> list[Closure]:
        return [c for c in self.closures if c.services is None or service_key in c.services]


def _with_keys(raw: dict) -> dict:
    """Copy each mapping's key into its entry, so a model knows its own key."""
    out = dict(raw)
    sections = ("services", "procedures", "topics", "sources", "areas", "reports", "answers")
    for section in sections:
        entries = raw.get(section)
        if isinstance(entries, dict):
            out[section] = {
                k: ({**v, "key": k} if isinstance(v, dict) else v) for k, v in entries.items()
            }
    return out


def _location(loc: tuple[int | str, ...]) -> str:
    parts = [str(part) for part in loc]
    # "key" is injected by _with_keys and "[key]" is pydantic's marker for a mapping key:
    # both point at the entry itself.
    if parts and parts[-1] in ("key", "[key]"):
        parts.pop()
    return ".".join(parts) or "(racine)"


_REASONS = {
    "missing": "champ obligatoire manquant",
    "extra_forbidden": "clé inconnue (faute de frappe ?)",
    "string_too_short": "texte vide",
    "string_type": "texte attendu (mettez la valeur entre guillemets)",
    "dict_type": "dictionnaire attendu",
    "model_type": "dictionnaire attendu",
    "list_type": "liste attendue",
    "too_short": "liste vide : au moins un élément attendu",
    "bool_type": "true ou false attendu",
    "bool_parsing": "true ou false attendu",
    "date_type": "date attendue (AAAA-MM-JJ)",
    "date_parsing": "date invalide (AAAA-MM-JJ attendu)",
    "date_from_datetime_parsing": "date invalide (AAAA-MM-JJ attendu)",
    "url_parsing": "adresse web invalide",
    "url_scheme": "adresse web invalide (http:// ou https:// attendu)",
    "url_type": "adresse web attendue",
}


def _describe(error: dict) -> tuple[str, str]:
    """The key and the French reason for one pydantic error."""
    key = _location(error["loc"])
    kind = error["type"]
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, _KeyedError):
        return _location((*error["loc"], *cause.key.split("."))), str(cause)
    if kind == "string_pattern_mismatch":
        shown = f"« {error['input']} »"
        if key.endswith(".phone"):
            return key, f"numéro invalide {shown} : format attendu « 01 99 00 12 34 »"
        if key.endswith(".country"):
            return key, f"code pays invalide {shown} : deux majuscules attendues, ex. « FR »"
        return key, f"clé invalide {shown} : lettres minuscules, chiffres et _ attendus"
    if kind == "literal_error":
        expected = error["ctx"]["expected"].replace(" or ", " ou ")
        return key, f"valeur invalide « {error['input']} » : attendu {expected}"
    if kind == "value_error" and key.endswith(".email"):
        return key, f"adresse e-mail invalide « {error['input']} »"
    if kind in _REASONS:
        return key, _REASONS[kind]
    return key, error["msg"].removeprefix("Value error, ")


def _yaml_reason(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is None or problem is None:
        return f"YAML illisible : {exc}"
    return f"YAML illisible, ligne {mark.line + 1}, colonne {mark.column + 1} : {problem}"


def parse_town(text: str, source: str = "<texte>") -> Town:
    """Parse and validate a town file's text; errors name the file, the key and the reason."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TownContentError(source, "(yaml)", _yaml_reason(exc)) from exc
    if not isinstance(raw, dict):
        raise TownContentError(source, "(racine)", "le fichier doit contenir un dictionnaire")
    try:
        return Town.model_validate(_with_keys(raw))
    except ValidationError as exc:
        key, reason = _describe(exc.errors()[0])
        raise TownContentError(source, key, reason) from exc


def load_town(path: str | Path) -> Town:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TownContentError(str(path), "(fichier)", f"lecture impossible : {exc}") from exc
    return parse_town(text, str(path))


# --- The console's edits, merged over the file --------------------------------------------

CONSOLE_SOURCE = "console"  # what a TownContentError names for an edit made in the console
CLOSURE_FIELDS = ("date", "until", "services", "hours", "reason")
PROCEDURE_FIELDS = ("answer", "checked")
ANSWER_FIELDS = ("questions", "answer", "checked")


class ProcedureChange(Protocol):
    """What the console may change of a procedure: its answer and the date it was checked
    (a date, or as typed: AAAA-MM-JJ, which the model reads)."""

    @property
    def answer(self) -> str: ...

    @property
    def checked(self) -> dt.date | str: ...


class AnswerChange(Protocol):
    """A staff-written answer as the console keeps it: the questions it answers, its text
    and the date it was checked (a date, or as typed: AAAA-MM-JJ)."""

    @property
    def questions(self) -> Sequence[str]: ...

    @property
    def answer(self) -> str: ...

    @property
    def checked(self) -> dt.date | str: ...


def _validated_town(data: dict, source: str) -> Town:
    try:
        return Town.model_validate(data)
    except ValidationError as exc:
        key, reason = _describe(exc.errors()[0])
        raise TownContentError(source, key, reason) from exc


def with_edits(
    town: Town,
    closures: Sequence[Closure],
    procedures: Mapping[str, ProcedureChange],
    source: str = CONSOLE_SOURCE,
    *,
    answers: Mapping[str, AnswerChange] | None = None,
) -> Town:
    """TOWN with the console's CLOSURES after its own (so that on a day both cover, the
    console's wins) and the answer and checked date of PROCEDURES replaced; an edit of a
    procedure the file no longer has is ignored. ANSWERS (staff-written) are added, or
    replace the file's of the same key. Validated by the models that validate the file:
    TownContentError names the key and the reason in the same words."""
    data = town.model_dump(by_alias=True)
    data["closures"] = [*data["closures"], *(c.model_dump(by_alias=True) for c in closures)]
    for key, change in procedures.items():
        if key in data["procedures"]:
            data["procedures"][key] |= {"answer": change.answer, "checked": change.checked}
    for key, written in (answers or {}).items():
        data["answers"][key] = {
            "key": key,
            "questions": list(written.questions),
            "answer": written.answer,
            "checked": written.checked,
        }
    return _validated_town(data, source)


def _about_field(error: TownContentError, fields: tuple[str, ...]) -> TownContentError:
    """ERROR named by the field it is about ("closures.9.services" → "services")."""
    field = next((part for part in error.key.split(".") if part in fields), error.key)
    return TownContentError(CONSOLE_SOURCE, field, error.reason)


def console_closure(town: Town, raw: Mapping[str, object]) -> Closure:
    """A closure typed in the console (keys as in the file: date, until, services, hours,
    reason), validated as the file's are, against TOWN's services; TownContentError names
    the field."""
    try:
        closure = Closure.model_validate(dict(raw))
        with_edits(town, [closure], {})
    except ValidationError as exc:
        key, reason = _describe(exc.errors()[0])
        raise _about_field(TownContentError(CONSOLE_SOURCE, key, reason), CLOSURE_FIELDS) from exc
    except TownContentError as exc:
        raise _about_field(exc, CLOSURE_FIELDS) from exc
    return closure


def console_procedure(town: Town, key: str, change: ProcedureChange) -> Procedure:
    """TOWN's procedure KEY with the console's CHANGE, validated as the file's are;
    TownContentError names the field (answer, checked); KeyError for an unknown KEY."""
    if key not in town.procedures:  # the merge would ignore it
        raise KeyError(key)
    try:
        merged = with_edits(town, [], {key: change})
    except TownContentError as exc:
        raise _about_field(exc, PROCEDURE_FIELDS) from exc
    return merged.procedures[key]


def console_answer(town: Town, key: str, change: AnswerChange) -> StaffAnswer:
    """The staff-written answer KEY with CHANGE, validated as the file's would be;
    TownContentError names the field (questions, answer, checked)."""
    try:
        merged = with_edits(town, [], {}, answers={key: change})
    except TownContentError as exc:
        raise _about_field(exc, ANSWER_FIELDS) from exc
    return merged.answers[key]
