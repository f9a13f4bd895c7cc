"""The SMS channel: French mobile numbers in any usual spelling, stored in E.164, and texts
written to fit two segments (sms_text.py).

Staff enrol a person by number at the counter and record their consent: a resident cannot
confirm from a one-way SMS gateway, so there is no self sign-up by SMS. The sender (apprise,
the gateway's URL with the number as its target) is in sms_sender.py.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from notifications.channels.base import AddressContext, ChannelPlugin, Params
from notifications.channels.sms_text import sms_preview, sms_price
from notifications.errors import InvalidAddress

# France and its overseas departments and collectivities, whose mobiles the town's gateway
# reaches at the national price.
FRENCH_REGIONS = frozenset({"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF"})
MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
MAX_TYPED = 40  # a number typed with spaces, dots or « +33 (0) » is far shorter


def sms_number(address: str, params: Params, context: AddressContext) -> tuple[str, Params]:
    """A French mobile number (« 06 12 34 56 78 », « +33 6… », « 0033 6… ») in E.164."""
    typed = address.strip()
    if len(typed) > MAX_TYPED:
        raise InvalidAddress("ce numéro de téléphone est trop long")
    try:
        number = phonenumbers.parse(typed, "FR")
    except phonenumbers.NumberParseException as error:
        raise InvalidAddress(f"« {typed} » n'est pas un numéro de téléphone") from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidAddress(f"« {typed} » n'est pas un numéro de téléphone valide")
    if phonenumbers.region_code_for_number(number) not in FRENCH_REGIONS:
        raise InvalidAddress("seuls les numéros de portable français peuvent recevoir les SMS")
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise InvalidAddress(
            f"« {typed} » est un numéro de téléphone fixe : "
            "les SMS partent vers un portable (06 ou 07)"
        )
    return phonenumbers.format_number(number, PhoneNumberFormat.E164), {}


PLUGIN = ChannelPlugin(
    name="sms",
    phrase="par SMS",
    validate=sms_number,
    render=sms_preview,
    staff_enrolment=True,
    address_label="numéro de portable",
    address_input="tel",
    price=sms_price,
    price_unit="SMS",
    monthly_cap=lambda settings: settings.sms_monthly_budget,
)
