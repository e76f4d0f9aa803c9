"""A new desk's country and currency, read from the OS locale (`sv_SE.UTF-8` -> phone region SE, SEK).

Why: phones written without a country code are read in the desk's region, and purchases without a
currency get the desk's; a Swedish shop whose desk starts out British stores wrong numbers in silence.
The locale is read once, when a desk is created (see `deskapp.core.db.engine.open_engine`), never again:
a later change of the settings must not be undone by whoever opens the desk with another locale.

The tables are data, not rules: each country's currency in use (ISO 3166-1 alpha-2 -> ISO 4217), and so
the set of currency codes a desk may be set to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

# The POSIX order for messages: LC_ALL overrides everything, then the category, then LANG.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")

_CURRENCY_OF_COUNTRY = """
AD EUR AE AED AF AFN AG XCD AI XCD AL ALL AM AMD AO AOA AR ARS AS USD AT EUR AU AUD AW AWG AX EUR AZ AZN
BA BAM BB BBD BD BDT BE EUR BF XOF BG EUR BH BHD BI BIF BJ XOF BL EUR BM BMD BN BND BO BOB BQ USD BR BRL
BS BSD BT BTN BW BWP BY BYN BZ BZD CA CAD CC AUD CD CDF CF XAF CG XAF CH CHF CI XOF CK NZD CL CLP CM XAF
CN CNY CO COP CR CRC CU CUP CV CVE CW XCG CX AUD CY EUR CZ CZK DE EUR DJ DJF DK DKK DM XCD DO DOP DZ DZD
EC USD EE EUR EG EGP EH MAD ER ERN ES EUR ET ETB FI EUR FJ FJD FK FKP FM USD FO DKK FR EUR GA XAF GB GBP
GD XCD GE GEL GF EUR GG GBP GH GHS GI GIP GL DKK GM GMD GN GNF GP EUR GQ XAF GR EUR GT GTQ GU USD GW XOF
GY GYD HK HKD HN HNL HR EUR HT HTG HU HUF ID IDR IE EUR IL ILS IM GBP IN INR IO USD IQ IQD IR IRR IS ISK
IT EUR JE GBP JM JMD JO JOD JP JPY KE KES KG KGS KH KHR KI AUD KM KMF KN XCD KP KPW KR KRW KW KWD KY KYD
KZ KZT LA LAK LB LBP LC XCD LI CHF LK LKR LR LRD LS LSL LT EUR LU EUR LV EUR LY LYD MA MAD MC EUR MD MDL
ME EUR MF EUR MG MGA MH USD MK MKD ML XOF MM MMK MN MNT MO MOP MP USD MQ EUR MR MRU MS XCD MT EUR MU MUR
MV MVR MW MWK MX MXN MY MYR MZ MZN NA NAD NC XPF NE XOF NF AUD NG NGN NI NIO NL EUR NO NOK NP NPR NR AUD
NU NZD NZ NZD OM OMR PA PAB PE PEN PF XPF PG PGK PH PHP PK PKR PL PLN PM EUR PN NZD PR USD PS ILS PT EUR
PW USD PY PYG QA QAR RE EUR RO RON RS RSD RU RUB RW RWF SA SAR SB SBD SC SCR SD SDG SE SEK SG SGD SH SHP
SI EUR SJ NOK SK EUR SL SLE SM EUR SN XOF SO SOS SR SRD SS SSP ST STN SV USD SX XCG SY SYP SZ SZL TC USD
TD XAF TG XOF TH THB TJ TJS TK NZD TL USD TM TMT TN TND TO TOP TR TRY TT TTD TV AUD TW TWD TZ TZS UA UAH
UG UGX UM USD US USD UY UYU UZ UZS VA EUR VC XCD VE VES VG USD VI USD VN VND VU VUV WF XPF WS WST XK EUR
YE YER YT EUR ZA ZAR ZM ZMW ZW ZWG AC SHP TA GBP
"""

_pairs = _CURRENCY_OF_COUNTRY.split()
CURRENCY_OF_COUNTRY: dict[str, str] = dict(zip(_pairs[::2], _pairs[1::2], strict=True))
# Currencies in use somewhere, plus Venezuela's second one; the desk refuses funds, metals and test codes.
CURRENCIES: frozenset[str] = frozenset(CURRENCY_OF_COUNTRY.values()) | {"VED"}

# language[_TERRITORY][.codeset][@modifier]; BCP 47's "sv-SE" is accepted too.
_LOCALE = re.compile(r"^(?P<language>[A-Za-z]{2,3})(?:[_-](?P<territory>[A-Za-z]{2}))?(?:\.[^@]*)?(?:@.*)?$")


@dataclass(frozen=True)
class LocaleDefaults:
    """What a new desk takes from the locale, and where it was read (for the audit trail)."""

    variable: str
    locale: str
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return f"the OS locale ({self.variable}={self.locale})"


def locale_in_effect(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """(variable, value) of the first locale variable set, as the C library would choose it."""
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "").strip()
        if value:
            return name, value
    return None


def locale_defaults(environ: Mapping[str, str]) -> LocaleDefaults | None:
    """The phone region and currency the locale names; None for `C`, `POSIX`, no territory or nothing set,
    so the desk keeps its built-in defaults."""
    found = locale_in_effect(environ)
    if found is None:
        return None
    variable, value = found
    match = _LOCALE.match(value)
    territory = (match.group("territory") or "").upper() if match else ""
    if not territory:  # C, C.UTF-8, POSIX, or a language alone ("sv")
        return None
    values: dict[str, Any] = {}
    if territory in phonenumbers.SUPPORTED_REGIONS:
        values["phone_region"] = territory
    if territory in CURRENCY_OF_COUNTRY:
        values["currency"] = CURRENCY_OF_COUNTRY[territory]
    return LocaleDefaults(variable, value, values) if values else None
