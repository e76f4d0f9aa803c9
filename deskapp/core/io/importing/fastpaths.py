"""Fast paths for the two slow validators, each returning exactly what the core cleaner returns.

An import of a million customers can't afford email-validator (~40-85 us) and phonenumbers (~70 us) on
every row, and memoising by value doesn't help when every address and number is different. What does
repeat is their *shape*: the e-mail domain, and a phone number's country and leading digits. So each
fast path learns from one full validation per shape and then checks the rest of a value cheaply:

- e-mail: the domain's verdict (and normal form) is remembered; a local part in plain dot-atom form
  needs no more than a regex. Anything else (quotes, unicode, unknown domains) goes to `clean_email`.
- phone: for each (region, "+", digit count, first 5 digits) the parse is learned once: which leading
  digits are the country code or trunk prefix. A later number of the same shape skips
  `phonenumbers.parse`; its validity is proven by the region's own patterns (or the library's
  `is_valid_number`), and its national format by replaying the library's choice among the country's
  formats. A number the fast path would refuse goes to `clean_phone`, so every error message comes
  from the core cleaner.

tests/core/importing/test_fastpaths.py compares both with the core cleaners on generated values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from deskapp.core.records import clean_email, clean_phone, clean_text

# --- e-mail -------------------------------------------------------------------------------------------------

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*\Z")
_ASCII_DOMAIN = re.compile(r"[A-Za-z0-9.-]+\Z")
_MAX_CACHE = 200_000
_domains: dict[str, str] = {}


def clean_email_fast(value: Any, field: str = "email") -> str:
    """`clean_email`, with a regex instead of email-validator for plain addresses at known domains."""
    text = clean_text(field, value)
    if not text:
        return ""
    local, at, domain = text.rpartition("@")
    if at and len(text) <= 200 and len(local) <= 64:
        known = _domains.get(domain)
        if known is not None and _LOCAL.match(local):
            return f"{local}@{known}"
    result = clean_email(value, field)
    if at and _ASCII_DOMAIN.match(domain) and _LOCAL.match(local) and len(_domains) < _MAX_CACHE:
        got_local, _, got_domain = result.rpartition("@")
        if got_local == local and got_domain == domain.lower():
            _domains[domain] = got_domain
    return result


# --- phone --------------------------------------------------------------------------------------------------

_PHONE_SHAPE = re.compile(r"\+?[0-9][0-9 ().\-/]{4,40}\Z")
_NON_DIGIT = re.compile(r"\D")
_GROUP_REF = re.compile(r"\\(\d)")
_KEY_DIGITS = 5  # enough for the country code and the trunk prefix; everything else is checked per number

# A national format as (leading digits, pattern, digits its national-prefix rule adds), or None for a format
# whose digits are not simply "prefix + national number" (those numbers take the slow path).
_Format = tuple[re.Pattern[str] | None, re.Pattern[str], str] | None


@dataclass(frozen=True, slots=True)
class _Shape:
    """What one full parse taught about every number with the same leading digits and length."""

    country_code: int
    stripped: str  # leading digits that are not part of the national number (country code, trunk prefix)
    foreign_prefix: str  # clean_phone's search form "0" + national number for foreign numbers
    trunk_pattern: re.Pattern[str] | None  # when nothing was stripped: a trunk prefix that must not be there
    formats: tuple[_Format, ...]  # the country's national formats, in the library's order of choice
    # Validity without the library's generic walk: the region's general pattern and the pattern of the
    # representative's number type (a sufficient condition; otherwise the library's own check decides).
    general: re.Pattern[str] | None
    typed: re.Pattern[str] | None


_shapes: dict[tuple[str, bool, int, str], _Shape | None] = {}
_format_tables: dict[int, tuple[_Format, ...]] = {}


def _phone_key(region: str, text: str, digits: str) -> tuple[str, bool, int, str]:
    return region, text.startswith("+"), len(digits), digits[:_KEY_DIGITS]


def _search_form(e164: str, national_digits: str, foreign_prefix: str, national: str) -> str:
    """The digit forms `clean_phone` stores for the search index, built the same way."""
    parts = [e164.lstrip("+"), national_digits, foreign_prefix + national, national]
    return " ".join(dict.fromkeys(filter(None, parts)))


def _national_prefix(formats: tuple[_Format, ...], national: str) -> str | None:
    """The digits NATIONAL formatting puts before the number: the library's format choice, replayed."""
    for entry in formats:
        if entry is None:
            return None
        lead, pattern, prefix = entry
        if (lead is None or lead.match(national)) and pattern.fullmatch(national):
            return prefix
    return ""  # no format fits: the library prints the bare national number


def _format_table(country_code: int, metadata: Any) -> tuple[_Format, ...]:
    table = _format_tables.get(country_code)
    if table is not None:
        return table
    entries: list[_Format] = []
    for fmt in metadata.number_format:
        pattern = re.compile(fmt.pattern)
        refs = {int(n) for n in _GROUP_REF.findall(fmt.format)}
        rule = fmt.national_prefix_formatting_rule or ""
        literal = _GROUP_REF.sub("", fmt.format)
        if (
            refs != set(range(1, pattern.groups + 1))
            or re.search(r"\d", literal)
            or not re.fullmatch(r"\D*\d*\D*\\1\D*", rule or "\\1")
        ):
            entries.append(None)
            continue
        lead = re.compile(fmt.leading_digits_pattern[-1]) if fmt.leading_digits_pattern else None
        entries.append((lead, pattern, _NON_DIGIT.sub("", rule.replace("\\1", ""))))
    table = _format_tables[country_code] = tuple(entries)
    return table


def _apply(shape: _Shape, digits: str) -> tuple[str, str] | None:
    if not digits.startswith(shape.stripped):
        return None
    national = digits[len(shape.stripped) :]
    if not national or national[0] == "0":
        return None  # leading zeros in the national number (Italy, ...) are kept by the slow path only
    if shape.trunk_pattern is not None and shape.trunk_pattern.match(national):
        return None
    if not (shape.general and shape.general.fullmatch(national) and shape.typed and shape.typed.fullmatch(national)):
        import phonenumbers  # lazy: phonenumbers' metadata loads only when a phone is checked

        # The length is part of the shape, so "possible" was settled when the shape was learned.
        number = phonenumbers.PhoneNumber(country_code=shape.country_code, national_number=int(national))
        if not phonenumbers.is_valid_number(number):
            return None
    prefix = _national_prefix(shape.formats, national)
    if prefix is None:
        return None
    e164 = f"+{shape.country_code}{national}"
    return e164, _search_form(e164, prefix + national, shape.foreign_prefix, national)


def _validity_patterns(parsed: Any, metadata: Any) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """Patterns that prove a same-shape number valid, when the library's region choice can't differ.

    `is_valid_number` first picks the region among those sharing the country code (+44: GB, GG, IM, JE),
    taking the first where the number has a type. Only when the learned region is the first in that list
    is "valid there" the same as "valid"; otherwise the full check runs (still without the parse).
    """
    import phonenumbers  # lazy: phonenumbers' metadata loads only when a phone is checked
    from phonenumbers import phonenumberutil as util  # lazy: phonenumbers' metadata loads only when a phone is checked

    regions = util.COUNTRY_CODE_TO_REGION_CODE.get(parsed.country_code, ())
    region = phonenumbers.region_code_for_number(parsed)
    if not regions or regions[0] != region or metadata.id != region:
        return None, None
    kind = phonenumbers.number_type(parsed)
    if kind == phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE:
        kind = phonenumbers.PhoneNumberType.FIXED_LINE
    desc = util._number_desc_by_type(metadata, kind)
    general = metadata.general_desc
    if desc is None or general is None or not desc.national_number_pattern or not general.national_number_pattern:
        return None, None
    return re.compile(general.national_number_pattern), re.compile(desc.national_number_pattern)


def _learn(region: str, text: str, digits: str, e164: str, search: str) -> _Shape | None:
    """The shape of a number the full validator accepted, or None when its parse can't be replayed."""
    import phonenumbers  # lazy: phonenumbers' metadata loads only when a phone is checked
    from phonenumbers import PhoneMetadata  # lazy: phonenumbers' metadata loads only when a phone is checked

    parsed = phonenumbers.parse(text, region)
    if parsed.italian_leading_zero or parsed.extension:
        return None
    country_code = parsed.country_code
    if country_code is None:
        return None
    national = str(parsed.national_number)
    if not digits.endswith(national):
        return None
    stripped = digits[: len(digits) - len(national)]
    main_region = phonenumbers.region_code_for_country_code(country_code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, main_region)
    if metadata is None or metadata.national_prefix_transform_rule:
        return None
    trunk = re.compile(metadata.national_prefix_for_parsing) if metadata.national_prefix_for_parsing else None
    rest = stripped
    if text.startswith("+"):
        if not rest.startswith(str(country_code)):
            return None
        rest = rest[len(str(country_code)) :]
    elif country_code != phonenumbers.country_code_for_region(region) or digits.startswith(str(country_code)):
        return None  # a national number read as international, or an international prefix: keep it slow
    if rest:
        found = trunk.match(rest) if trunk else None
        if found is None or found.end() != len(rest) or any(found.groups()):
            return None
        trunk = None  # the trunk prefix is part of the shape's stripped digits
    foreign = "0" if phonenumbers.country_code_for_region(region) != country_code else ""
    general, typed = _validity_patterns(parsed, metadata)
    shape = _Shape(country_code, stripped, foreign, trunk, _format_table(country_code, metadata), general, typed)
    if _apply(shape, digits) != (e164, search):
        return None
    return shape


def clean_phone_fast(value: Any, region: str, field: str = "phone") -> tuple[str, str, str]:
    """`clean_phone`: (E.164, the text as given, the search forms), skipping the parse for known shapes."""
    text = clean_text(field, value, max_length=64)
    if not text:
        return "", "", ""
    region = region.upper()
    if not _PHONE_SHAPE.match(text):
        return clean_phone(value, region, field)
    digits = _NON_DIGIT.sub("", text)
    key = _phone_key(region, text, digits)
    shape = _shapes.get(key, False)
    if isinstance(shape, _Shape):
        done = _apply(shape, digits)
        if done is not None:
            return done[0], text, done[1]
    e164, raw, search = clean_phone(value, region, field)
    if shape is False and len(_shapes) < _MAX_CACHE:
        _shapes[key] = _learn(region, text, digits, e164, search)
    return e164, raw, search


def reset_caches() -> None:
    """Forget learned shapes (tests; a changed phonenumbers version)."""
    _domains.clear()
    _shapes.clear()
