"""Spreadsheet habits the core cleaners don't know: what other systems write into the cells we read.

Google writes " ::: " between several values in one cell and "* starred" among its labels, HubSpot its own
lifecycle stage names, accounting tools "(12.50)" for a refund (dates are in `dates`).
Each cleaner here turns such a cell into what the core cleaner accepts, then lets the core cleaner
decide, so an imported value is stored exactly as the same value typed into the desk would be.
"""

from __future__ import annotations

import enum
import re
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

from deskapp.core.records import (
    Channel,
    ComplaintCategory,
    ComplaintStatus,
    Direction,
    FollowUpKind,
    Priority,
    Stage,
    ValidationFailed,
)

__all__ = [
    "Channel",
    "ComplaintCategory",
    "ComplaintStatus",
    "Direction",
    "FollowUpKind",
    "Priority",
    "Stage",
]
from deskapp.core.records import clean_enum, clean_money, clean_text, fold, normalise_tags

E = TypeVar("E", bound=enum.Enum)

_KEY = re.compile(r"[^0-9a-z]+")


def value_key(text: Any) -> str:
    """Lower-case letters and digits only, accents dropped: "Marketing Qualified Lead" -> "marketingqualifiedlead"."""
    return _KEY.sub("", fold(str(text)))


# Other systems' names for our closed sets, by value_key. Our own values (and their spellings with spaces
# or hyphens) are understood by `clean_enum` already.
SYNONYMS: dict[type[enum.Enum], dict[str, enum.Enum]] = {
    Stage: {
        # HubSpot's lifecycle stages (labels and internal values fold to the same key)
        "subscriber": Stage.AWARENESS,
        "lead": Stage.AWARENESS,
        "marketingqualifiedlead": Stage.CONSIDERATION,
        "mql": Stage.CONSIDERATION,
        "salesqualifiedlead": Stage.CONSIDERATION,
        "sql": Stage.CONSIDERATION,
        "opportunity": Stage.CONSIDERATION,
        "customer": Stage.PURCHASE,
        "evangelist": Stage.ADVOCACY,
        "other": Stage.AWARENESS,
        # common words elsewhere
        "reach": Stage.AWARENESS,
        "prospect": Stage.CONSIDERATION,
        "acquisition": Stage.PURCHASE,
        "newcustomer": Stage.PURCHASE,
        "nurturing": Stage.RETENTION,
        "repeat": Stage.RETENTION,
        "repeatcustomer": Stage.RETENTION,
        "loyal": Stage.RETENTION,
        "promoter": Stage.ADVOCACY,
        "advocate": Stage.ADVOCACY,
        "lost": Stage.CHURNED,
        "formercustomer": Stage.CHURNED,
        "inactive": Stage.CHURNED,
    },
    Channel: {
        "phone": Channel.CALL,
        "phonecall": Channel.CALL,
        "telephone": Channel.CALL,
        "mail": Channel.EMAIL,
        "email": Channel.EMAIL,
        "inperson": Channel.VISIT,
        "instore": Channel.VISIT,
        "walkin": Channel.VISIT,
        "sms": Channel.CHAT,
        "text": Channel.CHAT,
        "whatsapp": Channel.CHAT,
        "livechat": Channel.CHAT,
        "video": Channel.MEETING,
        "videocall": Channel.MEETING,
        "facebook": Channel.SOCIAL,
        "instagram": Channel.SOCIAL,
        "linkedin": Channel.SOCIAL,
    },
    Direction: {
        "inbound": Direction.IN,
        "incoming": Direction.IN,
        "received": Direction.IN,
        "outbound": Direction.OUT,
        "outgoing": Direction.OUT,
        "sent": Direction.OUT,
    },
    ComplaintStatus: {
        "new": ComplaintStatus.OPEN,
        "pending": ComplaintStatus.WAITING_ON_CUSTOMER,
        "waiting": ComplaintStatus.WAITING_ON_CUSTOMER,
        "solved": ComplaintStatus.RESOLVED,
        "fixed": ComplaintStatus.RESOLVED,
        "done": ComplaintStatus.CLOSED,
    },
    Priority: {"medium": Priority.NORMAL, "critical": Priority.URGENT, "minor": Priority.LOW},
    ComplaintCategory: {"service": ComplaintCategory.NOT_CARED_FOR, "product": ComplaintCategory.QUALITY},
    FollowUpKind: {
        "checkin": FollowUpKind.CHECK_IN,
        "call": FollowUpKind.CHECK_IN,
        "thanks": FollowUpKind.THANK_YOU,
        "thankyou": FollowUpKind.THANK_YOU,
        "birthday": FollowUpKind.SPECIAL_DAY,
        "anniversary": FollowUpKind.SPECIAL_DAY,
    },
}


def clean_choice(kind: type[E], field: str, value: Any, *, default: E | None = None) -> E:
    """`clean_enum`, also knowing other systems' names for our values (HubSpot stages, "inbound", ...)."""
    if value.__class__ is str and value.strip():
        choice: E = _choice(kind, field, value)
        return choice
    return clean_enum(kind, field, value, default=default)


@lru_cache(maxsize=4096)
def _choice(kind: type[E], field: str, value: str) -> E:
    """Memoised: a file repeats the same few words for its stages and channels (errors are not cached)."""
    synonym = SYNONYMS.get(kind, {}).get(value_key(value))
    if synonym is not None:
        return synonym  # type: ignore[return-value]  # SYNONYMS[kind] holds kind's own members; mypy can't tie the two
    return clean_enum(kind, field, value)


_TRUE = frozenset({"1", "true", "yes", "y", "x", "t", "on", "ja", "kylla", "igen"})
_FALSE = frozenset({"0", "false", "no", "n", "f", "off", "nej", "ei", "nem", ""})


def clean_bool(field: str, value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    key = value_key(value)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValidationFailed.one(field, value, "must be true or false (yes/no, 1/0)")


# --- money ------------------------------------------------------------------------------------------------

_CURRENCY_SIGNS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR", "zł": "PLN", "Ft": "HUF"}
_CODE = re.compile(r"\b([A-Z]{3})\b")
_PLAIN_AMOUNT = re.compile(r"-?\d{1,12}(?:\.\d{1,2})?\Z")


def clean_amount(field: str, value: Any, *, required: bool = True, allow_negative: bool = False) -> Decimal | None:
    """`clean_money`, with a quick path for plain "123.45" and a "(12.50)" accounting negative."""
    if isinstance(value, str):
        text = value.strip()
        if _PLAIN_AMOUNT.match(text):
            amount = Decimal(text).quantize(Decimal("0.01"))
            if amount < 0 and not allow_negative:
                raise ValidationFailed.one(field, value, "can't be negative")
            return amount
        if text.startswith("(") and text.endswith(")"):
            value = "-" + text[1:-1]
    return clean_money(field, value, required=required, allow_negative=allow_negative)


def currency_in(value: Any) -> str | None:
    """The currency an amount cell names ("€12", "12.50 SEK"), for files without a currency column."""
    if not isinstance(value, str):
        return None
    for sign, code in _CURRENCY_SIGNS.items():
        if sign in value:
            return code
    found = _CODE.search(value)
    return found[1] if found else None


# --- lists in one cell ---------------------------------------------------------------------------------------

_SYSTEM_LABEL = re.compile(r"^\*\s")  # Google's "* myContacts", "* starred"


def first_of(value: Any) -> Any:
    """Google joins several values in one cell with " ::: "; the first is the primary one."""
    if isinstance(value, str) and ":::" in value:
        return value.split(":::", 1)[0].strip()
    if isinstance(value, list):
        return value[0] if value else ""
    return value


def clean_tags(value: Any) -> str:
    """The stored ",a,b," form of a tags cell (memoised: the same few combinations repeat)."""
    return _tags(value, False) if value.__class__ is str else normalise_tags(value)


def clean_google_tags(value: Any) -> str:
    """Tags from a Google export's labels: " ::: " between them, system labels ("* starred") left out."""
    return _tags(value, True) if value.__class__ is str else normalise_tags(value)


@lru_cache(maxsize=4096)
def _tags(text: str, google: bool) -> str:
    return normalise_tags(tag_items(text) if google else text)


def tag_items(value: Any) -> Any:
    """Tags from Google labels ("* myContacts ::: Friends"), Outlook categories ("A;B") or a list."""
    if isinstance(value, str) and ":::" in value:
        return [part.strip() for part in value.split(":::") if part.strip() and not _SYSTEM_LABEL.match(part.strip())]
    if isinstance(value, str) and _SYSTEM_LABEL.match(value.strip()):
        return []
    return value


def fast_text(field: str, value: Any, max_length: int | None = None) -> str:
    """`clean_text` for the usual cell: printable text has no control characters to strip."""
    if value.__class__ is str and value.isprintable():
        text = value.strip()
        if max_length is None or len(text) <= max_length:
            return text
    return clean_text(field, value, max_length=max_length)
