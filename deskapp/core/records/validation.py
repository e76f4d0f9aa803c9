"""Field cleaning shared by the services, the forms and the importer.

Each cleaner takes what a person typed or a file held and returns the stored value, or raises
`ValidationFailed` naming the field and the value. The slow validators (email-validator ~85 us,
phonenumbers ~43 us a call) are memoised by value: imports repeat domains and formats a lot.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, TypeVar

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from deskapp.core.records.countries import country_code
from deskapp.core.records.errors import ValidationFailed
from deskapp.core.records.types import to_money

E = TypeVar("E", bound=enum.Enum)

# C0/C1 control characters except tab and newline: ESC sequences and OSC 52 start with these.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """Drop terminal control characters so stored text can never drive the terminal that shows it."""
    return _CONTROL.sub("", text)


def clean_text(field: str, value: Any, *, required: bool = False, max_length: int | None = None) -> str:
    text = "" if value is None else strip_controls(str(value)).strip()
    if required and not text:
        raise ValidationFailed.one(field, value, "is required")
    if max_length is not None and len(text) > max_length:
        raise ValidationFailed.one(field, value, f"is longer than {max_length} characters")
    return text


def fold(text: str) -> str:
    """Lower-case and strip accents: the comparison key for search and header matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=65536)
def _email(value: str) -> str:
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed.one("email", value, str(exc)) from None
    return str(result.normalized)


_SIMPLE_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")


def clean_email(value: Any, field: str = "email") -> str:
    text = clean_text(field, value)
    if not text:
        return ""
    try:
        normalized = _email(text)
    except ValidationFailed as exc:
        raise ValidationFailed.one(field, value, exc.errors[0].message) from None
    local, _, domain = normalized.rpartition("@")
    return f"{local}@{domain.lower()}"


@lru_cache(maxsize=65536)
def _phone(text: str, region: str) -> tuple[str, str]:
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationFailed.one("phone", text, f"is not a phone number ({exc})") from None
    # Only what can't be a number is refused: the metadata lags real allocations (+44 7700 900123 is a
    # possible UK mobile it calls invalid), so `phone_doubt` turns "not known valid" into a warning.
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:  # "local only" (12345) is no number to call
        raise ValidationFailed.one("phone", text, f"is not a possible phone number (read in region {region})")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    national = str(parsed.national_number)
    prefix = "0" if phonenumbers.country_code_for_region(region) != parsed.country_code else ""
    national_digits = re.sub(r"\D", "", phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL))
    search = " ".join(dict.fromkeys(filter(None, [e164.lstrip("+"), national_digits, prefix + national, national])))
    return e164, search


def clean_phone(value: Any, region: str, field: str = "phone") -> tuple[str, str, str]:
    """(E.164, the original text, the digit forms the search index holds); all "" for no phone."""
    text = clean_text(field, value, max_length=64)
    if not text:
        return "", "", ""
    try:
        e164, search = _phone(text, region.upper())
    except ValidationFailed as exc:
        raise ValidationFailed.one(field, value, exc.errors[0].message) from None
    return e164, text, search


@lru_cache(maxsize=65536)
def phone_doubt(e164: str) -> str | None:
    """Why a stored (possible) number may be wrong, or None when the phone metadata knows its range."""
    if not e164:
        return None
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "is not a phone number"
    if phonenumbers.is_valid_number(parsed):
        return None
    return "is a possible number in a range the phone metadata does not know; kept, check it"


def phone_region_for(country: str | None, default: str) -> str:
    """The region a number without a country code is read in: the customer's country, else the desk's."""
    return country_code(country) or default.upper()


def clean_enum(kind: type[E], field: str, value: Any, *, default: E | None = None) -> E:
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is not None:
            return default
        raise ValidationFailed.one(field, value, "is required")
    if isinstance(value, kind):
        return value
    key = fold(str(value)).strip().replace("-", "_").replace(" ", "_")
    for member in kind:
        if key in (str(member.value), member.name.lower()):
            return member
    allowed = ", ".join(str(m.value) for m in kind)
    raise ValidationFailed.one(field, value, f"must be one of: {allowed}")


def clean_int(
    field: str, value: Any, *, minimum: int | None = None, maximum: int | None = None, required: bool = False
) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed.one(field, value, "is required")
        return None
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise ValidationFailed.one(field, value, "must be a whole number") from None
    if minimum is not None and number < minimum or maximum is not None and number > maximum:
        raise ValidationFailed.one(field, value, f"must be between {minimum} and {maximum}")
    return number


def parse_amount(text: str) -> Decimal:
    """'1 234,50', '1,234.50', '1.234,50', '€12' -> Decimal; the last separator is the decimal one
    when followed by 1-2 digits (a lone separator with three digits after it is a thousands one)."""
    cleaned = re.sub(r"[^\d,.\-]", "", text.replace("\u2212", "-"))
    if not re.search(r"\d", cleaned):
        raise InvalidOperation(text)
    last = max(cleaned.rfind(","), cleaned.rfind("."))
    if last >= 0:
        decimals = cleaned[last + 1 :]
        seps = {c for c in cleaned if c in ",."}
        if len(decimals) == 3 and len(seps) == 1 and cleaned.count(cleaned[last]) >= 1 and "-" not in decimals:
            # "1,234" or "1.234.567": grouping only
            cleaned = cleaned.replace(",", "").replace(".", "")
        else:
            whole = re.sub(r"[,.]", "", cleaned[:last])
            cleaned = f"{whole}.{decimals}"
    return Decimal(cleaned)


def clean_money(field: str, value: Any, *, required: bool = True, allow_negative: bool = False) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed.one(field, value, "is required")
        return None
    try:
        amount = Decimal(value) if isinstance(value, Decimal | int) else parse_amount(str(value))
        amount = to_money(amount)
    except (InvalidOperation, ValueError):
        raise ValidationFailed.one(field, value, "is not an amount") from None
    if not amount.is_finite():
        raise ValidationFailed.one(field, value, "is not an amount")
    if amount < 0 and not allow_negative:
        raise ValidationFailed.one(field, value, "can't be negative")
    if abs(amount) >= Decimal("1e13"):
        raise ValidationFailed.one(field, value, "is too large")
    return amount


_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{4})\.\s*(\d{1,2})\.\s*(\d{1,2})\.?$"), "ymd"),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), "dmy"),
    (re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$"), "ambiguous"),
)


def parse_date(text: str, *, dayfirst: bool = True) -> date:
    """ISO, dd.mm.yyyy, yyyy. mm. dd., dd/mm/yyyy (mm/dd/yyyy with dayfirst=False)."""
    text = text.strip()
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        a, b, c = (int(g) for g in match.groups())
        if order == "ymd":
            return date(a, b, c)
        if order == "dmy":
            return date(c, b, a)
        if a > 12 >= b:
            return date(c, b, a)
        if b > 12 >= a:
            return date(c, a, b)
        return date(c, b, a) if dayfirst else date(c, a, b)
    return datetime.fromisoformat(text).date()


def clean_date(field: str, value: Any, *, required: bool = False, dayfirst: bool = True) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed.one(field, value, "is required")
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value), dayfirst=dayfirst)
    except ValueError:
        raise ValidationFailed.one(field, value, "is not a date (use YYYY-MM-DD)") from None


_YEARLESS = re.compile(r"^--(\d{2})-?(\d{2})$")


def clean_special_day(field: str, value: Any) -> str:
    """A special day as stored: "YYYY-MM-DD", or "--MM-DD" for a day whose year nobody knows (a birthday
    from a phone's contacts); Apple's year 1604 means the same."""
    text = "" if value is None else str(value).strip()
    found = _YEARLESS.match(text)
    if found:
        month, day = int(found[1]), int(found[2])
        try:
            date(2000, month, day)  # a leap year: 29 February is a day too
        except ValueError:
            raise ValidationFailed.one(field, value, "is not a day of the year (use --MM-DD)") from None
        return f"--{month:02d}-{day:02d}"
    day_value = clean_date(field, value, required=True)
    assert day_value is not None
    if day_value.year == 1604:
        return f"--{day_value.month:02d}-{day_value.day:02d}"
    return day_value.isoformat()


def special_day_date(stored: str) -> tuple[date, bool]:
    """(the date, whether it has a year) of a stored special day; a yearless one is placed in 2000."""
    found = _YEARLESS.match(stored)
    if found:
        return date(2000, int(found[1]), int(found[2])), False
    return date.fromisoformat(stored), True


def clean_time(field: str, value: Any) -> time | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed.one(field, value, "is not a time (use HH:MM)") from None


def clean_datetime(field: str, value: Any, *, required: bool = False, dayfirst: bool = True) -> datetime | None:
    """An aware UTC datetime; a value without a zone is read as local time, a bare date as local midnight."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed.one(field, value, "is required")
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            parts = text.split()
            try:
                day = parse_date(" ".join(p for p in parts if ":" not in p), dayfirst=dayfirst)
                clock = next((time.fromisoformat(p) for p in parts if ":" in p), time())
            except ValueError:
                raise ValidationFailed.one(field, value, "is not a date and time (use ISO 8601)") from None
            moment = datetime.combine(day, clock)
    # A naive value is local wall time on *its* date (astimezone applies that date's DST offset).
    return moment.astimezone(UTC)


def normalise_tags(value: Any) -> str:
    """Tags as the stored ",a,b," form from a list or a string split on commas or semicolons."""
    if value is None:
        return ""
    items = value if isinstance(value, list | tuple | set) else re.split(r"[;,]", str(value))
    tags = []
    for item in items:
        tag = strip_controls(str(item)).strip().lower()
        tag = re.sub(r"\s+", "-", tag)
        if tag and tag not in tags:
            tags.append(tag)
    return f",{','.join(tags)}," if tags else ""


def tag_list(stored: str) -> list[str]:
    return [t for t in stored.split(",") if t]


def days_from(today: date, days: int) -> date:
    return today + timedelta(days=days)
