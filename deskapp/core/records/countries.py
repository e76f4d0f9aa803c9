"""Countries as people and exports write them, read into the ISO 3166 alpha-2 code the desk stores.

A phone number without a country code is only a number in some country: the customer's country (from an
address or a country column) decides before the desk's `phone_region`. Exports write that country as a
code ("SE", "GBR"), in English ("Sweden") or in the customer's own language ("Sverige", "Suomi",
"Magyarország", "Suid-Afrika"), so every spelling the desk's users meet maps to one code.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

# Names by folded key (letters only, lower case, no accents). The desk's users' countries first, in English
# and in Swedish, Finnish, Hungarian, Afrikaans and Zulu; then neighbours and the usual trading partners.
_NAMES: dict[str, tuple[str, ...]] = {
    "SE": ("sweden", "sverige", "ruotsi", "svedorszag", "swede", "swedish", "konungariket sverige"),
    "FI": ("finland", "suomi", "suomen tasavalta", "finnorszag", "republiken finland"),
    "HU": ("hungary", "magyarorszag", "ungern", "unkari", "hongarye", "hungarian", "magyar"),
    "ZA": (
        "south africa",
        "suid afrika",
        "sydafrika",
        "etela afrikka",
        "del afrika",
        "ningizimu afrika",
        "republic of south africa",
        "rsa",
    ),
    "GB": (
        "united kingdom",
        "uk",
        "u k",
        "great britain",
        "britain",
        "england",
        "scotland",
        "wales",
        "northern ireland",
        "storbritannien",
        "iso britannia",
        "yhdistynyt kuningaskunta",
        "egyesult kiralysag",
        "nagy britannia",
        "verenigde koninkryk",
        "groot brittanje",
    ),
    "NO": ("norway", "norge", "noreg", "norja", "norvegia"),
    "DK": ("denmark", "danmark", "tanska", "dania"),
    "IS": ("iceland", "island", "islanti"),
    "EE": ("estonia", "eesti", "viro", "estland"),
    "DE": ("germany", "deutschland", "tyskland", "saksa", "nemetorszag", "duitsland"),
    "AT": ("austria", "osterreich", "osterrike", "itavalta", "ausztria"),
    "NL": ("netherlands", "the netherlands", "holland", "nederland", "nederlanderna", "alankomaat", "hollandia"),
    "BE": ("belgium", "belgie", "belgique", "belgien", "belgia"),
    "FR": ("france", "frankrike", "ranska", "franciaorszag", "frankryk"),
    "ES": ("spain", "espana", "spanien", "espanja", "spanyolorszag"),
    "IT": ("italy", "italia", "italien", "olaszorszag"),
    "PL": ("poland", "polska", "polen", "puola", "lengyelorszag"),
    "RO": ("romania", "rumanien", "romania", "romanien"),
    "SK": ("slovakia", "slovensko", "szlovakia"),
    "CZ": ("czechia", "czech republic", "cesko", "tjeckien", "csehorszag"),
    "HR": ("croatia", "hrvatska", "horvatorszag"),
    "RS": ("serbia", "srbija", "szerbia"),
    "SI": ("slovenia", "slovenija", "szlovenia"),
    "UA": ("ukraine", "ukrajna", "ukraina"),
    "IE": ("ireland", "eire", "irland", "irlanti", "irorszag"),
    "CH": ("switzerland", "schweiz", "suisse", "sveitsi", "svajc"),
    "PT": ("portugal",),
    "US": ("united states", "united states of america", "usa", "america", "yhdysvallat", "amerikai egyesult allamok"),
    "CA": ("canada", "kanada"),
    "AU": ("australia", "australien"),
    "NZ": ("new zealand", "nya zeeland"),
    "NA": ("namibia", "namibie"),
    "BW": ("botswana",),
    "ZW": ("zimbabwe",),
    "MZ": ("mozambique", "mosambiek"),
    "LS": ("lesotho",),
    "SZ": ("eswatini", "swaziland"),
    "IN": ("india", "indien"),
    "CN": ("china", "kina"),
    "JP": ("japan",),
}
# ISO alpha-3 codes that exports write where a two-letter code belongs.
_ALPHA3 = {
    "SWE": "SE", "FIN": "FI", "HUN": "HU", "ZAF": "ZA", "GBR": "GB", "NOR": "NO", "DNK": "DK", "ISL": "IS",
    "EST": "EE", "DEU": "DE", "AUT": "AT", "NLD": "NL", "BEL": "BE", "FRA": "FR", "ESP": "ES", "ITA": "IT",
    "POL": "PL", "ROU": "RO", "SVK": "SK", "CZE": "CZ", "HRV": "HR", "SRB": "RS", "SVN": "SI", "UKR": "UA",
    "IRL": "IE", "CHE": "CH", "PRT": "PT", "USA": "US", "CAN": "CA", "AUS": "AU", "NZL": "NZ", "NAM": "NA",
    "BWA": "BW", "ZWE": "ZW", "MOZ": "MZ", "LSO": "LS", "SWZ": "SZ", "IND": "IN", "CHN": "CN", "JPN": "JP",
}  # fmt: skip
# Not ISO codes, but written as if they were.
_ALIASES = {"UK": "GB", "EL": "GR"}
_NON_LETTER = re.compile(r"[^a-z]+")


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _NON_LETTER.sub("", plain)


_BY_NAME: dict[str, str] = {_key(name): code for code, names in _NAMES.items() for name in names}


def _known_codes() -> frozenset[str]:
    return frozenset(phonenumbers.SUPPORTED_REGIONS) | frozenset(_NAMES)


_CODES: frozenset[str] | None = None


def country_code(text: str | None) -> str | None:
    """The ISO 3166 alpha-2 code for a code or a name ("se", "SWE", "Sverige", "Great Britain"), else None."""
    global _CODES
    if not text or not text.strip():
        return None
    raw = text.strip()
    upper = raw.upper()
    if len(upper) == 2 and upper.isalpha():
        if upper in _ALIASES:
            return _ALIASES[upper]
        if _CODES is None:
            _CODES = _known_codes()
        if upper in _CODES:
            return upper
    if len(upper) == 3 and upper in _ALPHA3:
        return _ALPHA3[upper]
    return _BY_NAME.get(_key(raw))


def country_names() -> dict[str, tuple[str, ...]]:
    """The names read for each code (for help texts and tests)."""
    return dict(_NAMES)


# Languages as exports name them ("English", "Svenska"), for the preferred-language field's tag.
_LANGUAGES: dict[str, tuple[str, ...]] = {
    "en": ("english", "engelska", "englanti", "angol", "engels"),
    "sv": ("swedish", "svenska", "ruotsi", "svéd", "sweeds"),
    "fi": ("finnish", "suomi", "finska", "finn", "fins"),
    "hu": ("hungarian", "magyar", "ungerska", "unkari", "hongaars"),
    "af": ("afrikaans",),
    "zu": ("zulu", "isizulu"),
    "xh": ("xhosa", "isixhosa"),
    "de": ("german", "deutsch", "tyska", "saksa", "német", "duits"),
    "nb": ("norwegian", "norsk", "norska", "norja"),
    "da": ("danish", "dansk", "danska", "tanska"),
    "et": ("estonian", "eesti", "estniska", "viro"),
    "fr": ("french", "français", "franska", "ranska", "francia"),
    "es": ("spanish", "español", "spanska", "espanja", "spanyol"),
}
_LANGUAGE_BY_NAME = {_key(name): code for code, names in _LANGUAGES.items() for name in names}


def language_code(text: str) -> str | None:
    """The language tag for a language's name ("English", "Svenska", "magyar"), else None."""
    return _LANGUAGE_BY_NAME.get(_key(text))
