"""What each business setting means and which values it takes, as a person types them.

One rule per setting, shared by `deskapp settings set` and the desk's Settings page, so both refuse the
same things with the same one-line message naming what is allowed. Values are typed and shown in the
person's terms (a margin of `30%`, cadences as `retention=60, churned=off`) and stored as the `Settings`
dataclass holds them (`Decimal("0.30")`, a dict of days); `show` and `parse` round-trip, so the form can
offer the current value as text to edit.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers

from deskapp.core.records.errors import DeskError, ValidationFailed
from deskapp.core.records.os_locale import CURRENCIES
from deskapp.core.records.settings import Settings
from deskapp.core.records.tables import Priority, Stage

OFF_WORDS = frozenset({"off", "none", "never", "-"})
MAX_DAYS = 3650
MARGIN_ALLOWED = "a percentage from 0 to 100, at most two decimals (30 or 30% for 30%)"
FACTOR_ALLOWED = "a number above 1 and at most 10 (2 = twice their usual interval)"
CYCLES_ALLOWED = "a number above 1 and at most 10 (3 = three of their usual purchase intervals)"
PROBABILITY_ALLOWED = "a percentage from 1 to 99 (30 or 30% for a 30% chance)"
REGION_ALLOWED = "a two-letter ISO 3166 country code, such as SE, FI, HU, ZA or GB"
CURRENCY_ALLOWED = "a three-letter ISO 4217 currency code, such as SEK, EUR, HUF, ZAR or GBP"
DAYS_LIST_ALLOWED = f"days after the first purchase, 1 to {MAX_DAYS}, separated by commas (7, 30, 90), or off"

Parse = Callable[[str, str, Any], Any]  # (key, what was typed, the current value) -> the value to store


class UnknownSetting(DeskError, LookupError):
    """A key no setting has (a typo on the command line)."""


@dataclass(frozen=True)
class SettingRule:
    description: str
    allowed: str  # what may be typed, in one line: shown beside the value and in every refusal
    parse: Parse
    show: Callable[[Any], str]


def refuse(key: str, text: str, allowed: str) -> ValidationFailed:
    return ValidationFailed.one(key, text, f"must be {allowed}")


def _number(key: str, text: str, allowed: str) -> Decimal:
    """A number as people type it: `12,5`, `12.5`, `12.5 %`."""
    cleaned = text.strip().rstrip("%").strip().replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise refuse(key, text, allowed) from None
    if not number.is_finite():
        raise refuse(key, text, allowed)
    return number


def _whole(key: str, text: str, low: int, high: int, allowed: str, *, typed: str | None = None) -> int:
    """`typed`: the whole value when `text` is one item of it (the refusal quotes what was typed)."""
    if not re.fullmatch(r"\s*\d+\s*", text) or not low <= int(text) <= high:
        raise refuse(key, text if typed is None else typed, allowed)
    return int(text)


def whole_number(low: int, high: int, unit: str) -> tuple[str, Parse, Callable[[Any], str]]:
    allowed = f"a whole number of {unit} from {low} to {high}"
    return allowed, lambda key, text, _current: _whole(key, text, low, high, allowed), str


def _plain(number: Decimal) -> str:
    """`30`, not `30.00` or `3E+1`."""
    text = format(number.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _margin(key: str, text: str, _current: Any) -> Decimal:
    percent = _number(key, text, MARGIN_ALLOWED)
    if not Decimal(0) <= percent <= Decimal(100) or percent != percent.quantize(Decimal("0.01")):
        raise refuse(key, text, MARGIN_ALLOWED)
    return (percent / 100).quantize(Decimal("0.0001")).normalize()


def _show_percent(share: Any) -> str:
    return f"{_plain(Decimal(str(share)) * 100)}%"


def _above_one(key: str, text: str, allowed: str) -> float:
    number = _number(key, text, allowed)
    if not Decimal(1) < number <= Decimal(10):
        raise refuse(key, text, allowed)
    return float(number)


def _factor(key: str, text: str, _current: Any) -> float:
    return _above_one(key, text, FACTOR_ALLOWED)


def _cycles(key: str, text: str, _current: Any) -> float:
    return _above_one(key, text, CYCLES_ALLOWED)


def _probability(key: str, text: str, _current: Any) -> float:
    number = _number(key, text, PROBABILITY_ALLOWED)
    if not Decimal(1) <= number <= Decimal(99):
        raise refuse(key, text, PROBABILITY_ALLOWED)
    return float(number / 100)


def _region(key: str, text: str, _current: Any) -> str:
    code = text.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise refuse(key, text, REGION_ALLOWED)
    return code


def _currency(key: str, text: str, _current: Any) -> str:
    code = text.strip().upper()
    if code not in CURRENCIES:
        raise refuse(key, text, CURRENCY_ALLOWED)
    return code


def _pairs(names: tuple[str, ...], *, off: bool, unit: str, high: int) -> tuple[str, Parse, Callable[[Any], str]]:
    """`name=N, name=N`: the names given change, the others keep their current value."""
    allowed = f"name=number pairs ({unit}, 1 to {high}{'; off for none' if off else ''}) for: {', '.join(names)}"

    def parse(key: str, text: str, current: Any) -> dict[str, int | None]:
        out: dict[str, int | None] = {name: (current or {}).get(name) for name in names}
        items = [item.strip() for item in re.split(r"[,;]", text) if item.strip()]
        if not items:
            raise refuse(key, text, allowed)
        for item in items:
            name, sep, value = (part.strip() for part in item.partition("="))
            if not sep:
                name, _, value = (part.strip() for part in item.partition(" "))
            name = name.lower().replace("-", "_").replace(" ", "_")
            if name not in names:
                raise refuse(key, text, allowed)
            if off and value.lower() in OFF_WORDS:
                out[name] = None
            else:
                out[name] = _whole(key, value, 1, high, allowed, typed=text)
        return out

    def show(value: Any) -> str:
        return ", ".join(f"{name}={'off' if value.get(name) is None else value[name]}" for name in names)

    return allowed, parse, show


def _days_list(key: str, text: str, _current: Any) -> tuple[int, ...]:
    if text.strip().lower() in OFF_WORDS:
        return ()
    items = [item for item in re.split(r"[,;\s]+", text.strip()) if item]
    if not items:
        raise refuse(key, text, DAYS_LIST_ALLOWED)
    return tuple(sorted({_whole(key, item, 1, MAX_DAYS, DAYS_LIST_ALLOWED, typed=text) for item in items}))


def _show_days_list(value: Any) -> str:
    return ", ".join(str(v) for v in value) if value else "off"


def _rule(description: str, spec: tuple[str, Parse, Callable[[Any], str]]) -> SettingRule:
    allowed, parse, show = spec
    return SettingRule(description, allowed, parse, show)


_STAGES = tuple(str(s.value) for s in Stage)
_PRIORITIES = tuple(str(p.value) for p in (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW))

RULES: dict[str, SettingRule] = {
    "phone_region": SettingRule("Country phones without a country code are read in", REGION_ALLOWED, _region, str),
    "currency": SettingRule("Currency of purchases that name none", CURRENCY_ALLOWED, _currency, str),
    "default_margin": SettingRule(
        "Share of revenue kept when a purchase has no cost", MARGIN_ALLOWED, _margin, _show_percent
    ),
    "cadence_days": _rule(
        "Days between check-ins, per stage (a customer's own cadence wins)",
        _pairs(_STAGES, off=True, unit="days", high=MAX_DAYS),
    ),
    "first_response_hours": _rule(
        "Hours to a complaint's first response, per priority", _pairs(_PRIORITIES, off=False, unit="hours", high=8760)
    ),
    "thank_you_after_days": _rule("Days after a purchase the thank-you is due", whole_number(1, 365, "days")),
    "onboarding_days": SettingRule(
        "Onboarding check-ins, days after the first purchase", DAYS_LIST_ALLOWED, _days_list, _show_days_list
    ),
    "complaint_follow_up_after_days": _rule(
        "Days after a complaint is resolved the personal follow-up is due", whole_number(1, 365, "days")
    ),
    "history_window_days": _rule(
        "Events older than this many days change stages but create no follow-ups",
        whole_number(1, MAX_DAYS, "days"),
    ),
    "special_day_lead_days": _rule(
        "Days ahead of a birthday or anniversary its follow-up is due", whole_number(0, 60, "days")
    ),
    "over_contact_limit": _rule(
        "Warn when more outbound contacts than this happen in the window", whole_number(1, 100, "contacts")
    ),
    "over_contact_window_days": _rule("The over-contact window, in days", whole_number(1, 365, "days")),
    "at_risk_factor": SettingRule(
        "At risk when silent beyond this many times their usual purchase interval",
        FACTOR_ALLOWED,
        _factor,
        lambda v: _plain(Decimal(str(v))),
    ),
    "at_risk_alive_threshold": SettingRule(
        "At risk when the model's chance they still buy is below this",
        PROBABILITY_ALLOWED,
        _probability,
        _show_percent,
    ),
    "daily_backups_kept": _rule(
        "Daily backups kept beside the desk (0 turns them off)", whole_number(0, 365, "backups")
    ),
    "sweep_daily_cap": _rule(
        "Automatic reminders the sweep creates a day at most (the rest follow on the next days)",
        whole_number(1, 1000, "reminders"),
    ),
    "lapsed_cycles": SettingRule(
        "Lapsed when silent past this many of their own purchase cycles",
        CYCLES_ALLOWED,
        _cycles,
        lambda v: _plain(Decimal(str(v))),
    ),
    "win_back_after_days": _rule(
        "Days after a customer churned or lapsed the win-back follow-up is due", whole_number(1, 365, "days")
    ),
    "detractor_complaint_below": _rule(
        "A feedback score below this also opens a complaint (0: never, 7: every detractor)",
        whole_number(0, 7, "points"),
    ),
}

KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Settings))


def rule_for(key: str) -> SettingRule:
    """The rule for `key`; an unknown key is refused naming every setting there is."""
    rule = RULES.get(key.strip())
    if rule is None:
        raise UnknownSetting(f"there is no setting {key!r}; the settings are: {', '.join(KEYS)}")
    return rule


def parse_setting(key: str, text: str, current: Any) -> Any:
    """What typing `text` for `key` stores, given its current value (lists of pairs change only the names
    given); raises `ValidationFailed` on the key with what is allowed."""
    return rule_for(key).parse(key.strip(), str(text), current)


def show_setting(key: str, value: Any) -> str:
    return rule_for(key).show(value)
