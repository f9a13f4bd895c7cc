"""What the chat (bot/web/app.py) and the alerts (bot/web/alerts/) share: the static files,
the town's details in a page, and the reading of a JSON request body."""

from __future__ import annotations

import html
import json
import math
import re
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.exceptions import HTTPException
from starlette.requests import Request

from arobase.town import Town

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY_BYTES = 16 * 1024
# No request of ours nests more than a few levels; json.loads recurses once per level, and
# 16,000 "[" exhausted Python's stack (a RecursionError, a 500 and a traceback per request).
MAX_JSON_DEPTH = 20
# A JSON string (escapes included; unterminated, it runs to the end), or a bracket. Strings
# are matched whole and possessively: one left-to-right pass, linear on any input.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*+"?|[\[\]{}]', re.DOTALL)

# Reasons shown to people (the pages display them as they are).
NOT_JSON_TYPE = "Le message doit être envoyé au format JSON (application/json)."
TOO_LARGE = "La requête est trop grande (16\u00a0Kio au maximum)."
BAD_FORM = "Le formulaire envoyé est illisible. Rechargez la page et recommencez."
NOT_UTF8 = "La requête n'est pas un texte UTF-8 valide."
NOT_JSON = "La requête n'est pas un JSON valide."
TOO_DEEP = f"La requête JSON est trop imbriquée ({MAX_JSON_DEPTH}\u00a0niveaux au maximum)."


def commune_with_de(name: str) -> str:
    """The commune's name after "de", with French elision: "de Trilport", "d'Esbly", "du Pin"."""
    for article, contracted in (("Le ", "du "), ("Les ", "des ")):
        if name.startswith(article):
            return contracted + name[len(article) :]
    if unicodedata.normalize("NFD", name[:1]).lower()[:1] in set("aeiou"):
        return "d'" + name
    return "de " + name


def render_page(template: str, town: Town) -> str:
    """Fill the page's {{placeholders}} with the town's escaped details."""
    service = town.main_service
    values = {
        "commune": town.commune.name,
        "de_commune": commune_with_de(town.commune.name),
        "service": service.short,
        "phone": service.phone,
        "phone_href": "tel:" + service.phone.replace(" ", ""),
        "email": service.email,
    }
    for key, value in values.items():
        template = template.replace("{{" + key + "}}", html.escape(value, quote=True))
    return template


def json_depth(text: str, stop_above: int = MAX_JSON_DEPTH) -> int:
    """How deeply arrays and objects nest in TEXT (brackets inside strings do not count),
    without parsing it; the scan stops as soon as the depth exceeds STOP_ABOVE."""
    depth = deepest = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token[0] == '"':
            continue
        depth += 1 if token in "[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > stop_above:
                break
    return deepest


def wait_words(seconds: int) -> str:
    """A wait in plain French, rounded up: "30 secondes", "2 minutes", "1 heure"."""
    if seconds >= 3600:
        count, unit = math.ceil(seconds / 3600), "heure"
    elif seconds >= 60:
        count, unit = math.ceil(seconds / 60), "minute"
    else:
        count, unit = max(1, seconds), "seconde"
    return f"{count}\u00a0{unit}{'s' if count > 1 else ''}"


def parse_object(body: bytes, not_object: str) -> dict[str, Any]:
    """The JSON object of a request's body; HTTPException 400 with the reason otherwise
    (NOT_OBJECT when the body is JSON but not an object). The depth is checked first, so
    that json.loads never recurses deeper than MAX_JSON_DEPTH."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(400, NOT_UTF8) from None
    if json_depth(text) > MAX_JSON_DEPTH:
        raise HTTPException(400, TOO_DEEP)
    try:
        data = json.loads(text)
    except ValueError:
        raise HTTPException(400, NOT_JSON) from None
    except RecursionError:  # not reached after the scan above; kept should the limit grow
        raise HTTPException(400, TOO_DEEP) from None
    if not isinstance(data, dict):
        raise HTTPException(400, not_object)
    return data


def _require_json(request: Request) -> None:
    """Refuse a body not declared as JSON."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise HTTPException(415, NOT_JSON_TYPE)


async def read_body(request: Request) -> bytes:
    """The request body, refused as soon as it is known to exceed MAX_BODY_BYTES."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise HTTPException(413, TOO_LARGE)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise HTTPException(413, TOO_LARGE)
    return bytes(body)


async def read_form_lists(request: Request, max_fields: int) -> dict[str, list[str]]:
    """Every value of each field of a posted form (checkboxes sharing a name), at most
    MAX_FIELDS values in all; 413 when too large, 400 when unreadable or longer."""
    body = await read_body(request)
    try:
        return parse_qs(body.decode("utf-8"), max_num_fields=max_fields, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(400, BAD_FORM) from None


async def read_json_object(request: Request, not_object: str) -> dict[str, Any]:
    """The JSON object a request carries; HTTPException with the reason otherwise: 415 not
    declared as JSON, 413 too large, 400 not UTF-8, nested too deep, not JSON or (NOT_OBJECT)
    not an object."""
    _require_json(request)
    return parse_object(await read_body(request), not_object)
