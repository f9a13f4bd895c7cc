"""What a resident typed, with what could identify someone masked: e-mail addresses, phone
numbers and any other long run of digits (a social security number, a bank account, a card).

Kept questions are stored masked (issue 11): staff read them, and they may become training
examples. A rule on digit counts rather than a phone number parser: every long number is
personal enough to hide, whatever its country or its validity, while the short ones a
question needs (« 3 enfants », « le 24/12 », « 77470 ») stay.
"""

from __future__ import annotations

import re

EMAIL_MASK = "[adresse e-mail masquée]"
NUMBER_MASK = "[numéro masqué]"
# A French number has 10 digits, 9 after +33; 8 already name a person (a foreign phone
# number, an account); a postcode (5) or a date written 24/12/2026 (slashes) never reach it.
MIN_DIGITS = 8
# A space on either side of the "@" too (« jean.dupont @ orange.fr »): the domain's dot
# keeps « un @ tout seul » apart.
EMAIL = re.compile(r"[\w.+%-]+ ?@ ?[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Digits joined by the separators people type inside one number (spaces, also the narrow and
# thin ones, dots, dashes, also the typographic ones a phone's keyboard may put, a "(0)": at
# most two in a row), maybe after a "+"; possessive, so one pass stays linear.
DIGIT_RUN = re.compile(r"\+?\(?\d(?:[ .\-\u00a0\u2009\u202f\u2010-\u2015()]{0,2}+\d)++\)?")


def _masked_number(match: re.Match[str]) -> str:
    found = match.group()
    if sum(character.isdigit() for character in found) < MIN_DIGITS:
        return found
    return NUMBER_MASK


def mask(text: str) -> str:
    """TEXT with its e-mail addresses and its runs of at least MIN_DIGITS digits masked."""
    return DIGIT_RUN.sub(_masked_number, EMAIL.sub(EMAIL_MASK, text))
