"""Settings people change: every key listed with value, default and meaning; changes validated by the
key's rule, audited with who changed which key from what to what; resets back to the default."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from deskapp.core.db.engine import session_scope
from deskapp.core.ops.settings_admin import change_setting, list_settings, reset_setting, setting_view
from deskapp.core.records.errors import ValidationFailed
from deskapp.core.records.setting_rules import KEYS, RULES, UnknownSetting, parse_setting, show_setting
from deskapp.core.records.settings import Settings, load_settings
from deskapp.core.records.tables import AuditEntry, Setting


def test_every_setting_has_a_rule_and_shown_defaults_read_back_as_themselves() -> None:
    assert set(RULES) == {f.name for f in dataclasses.fields(Settings)} == set(KEYS)
    defaults = Settings()
    for key in KEYS:
        value = getattr(defaults, key)
        assert parse_setting(key, show_setting(key, value), value) == value, key


def test_the_list_has_every_key_with_value_default_and_a_line_each(engine: Engine) -> None:
    with session_scope(engine, write=True) as s:
        change_setting(s, "currency", "sek")
    with session_scope(engine) as s:
        views = list_settings(s)
    assert [v.key for v in views] == list(KEYS)
    currency = next(v for v in views if v.key == "currency")
    assert (currency.text, currency.default_text, currency.is_default) == ("SEK", "EUR", False)
    margin = next(v for v in views if v.key == "default_margin")
    assert (margin.text, margin.value, margin.is_default) == ("30%", "0.30", True)
    assert all(v.description and "\n" not in v.description and v.allowed for v in views)
    assert json.dumps([v.to_json() for v in views])  # --json needs nothing special


GOOD: list[tuple[str, str, Any]] = [
    ("phone_region", "se", "SE"),
    ("phone_region", " ZA ", "ZA"),
    ("currency", "huf", "HUF"),
    ("default_margin", "45", Decimal("0.45")),
    ("default_margin", "12,5 %", Decimal("0.125")),
    ("default_margin", "0", Decimal("0")),
    ("default_margin", "100%", Decimal("1")),
    ("thank_you_after_days", "5", 5),
    ("special_day_lead_days", "0", 0),
    ("daily_backups_kept", "0", 0),
    ("onboarding_days", "90, 7 30", (7, 30, 90)),
    ("onboarding_days", "off", ()),
    ("at_risk_factor", "2.5", 2.5),
    ("at_risk_alive_threshold", "25%", 0.25),
    ("first_response_hours", "urgent=2", {"urgent": 2, "high": 24, "normal": 48, "low": 120}),
]


@pytest.mark.parametrize(("key", "text", "stored"), GOOD)
def test_values_as_people_type_them_are_stored_as_the_rules_use_them(
    engine: Engine, key: str, text: str, stored: Any
) -> None:
    with session_scope(engine, write=True) as s:
        change_setting(s, key, text)
    with session_scope(engine) as s:
        assert getattr(load_settings(s), key) == stored


BAD: list[tuple[str, str, str]] = [
    ("phone_region", "XX", "ISO 3166"),
    ("phone_region", "Sweden", "SE, FI, HU, ZA or GB"),
    ("currency", "XYZ", "ISO 4217"),
    ("currency", "kr", "SEK, EUR"),
    ("default_margin", "101", "from 0 to 100"),
    ("default_margin", "-5", "from 0 to 100"),
    ("default_margin", "12.345", "at most two decimals"),
    ("default_margin", "lots", "a percentage"),
    ("thank_you_after_days", "0", "from 1 to 365"),
    ("thank_you_after_days", "2.5", "whole number"),
    ("history_window_days", "-1", "from 1 to 3650"),
    ("daily_backups_kept", "1000", "from 0 to 365"),
    ("onboarding_days", "7, 0", "1 to 3650"),
    ("at_risk_factor", "1", "above 1"),
    ("at_risk_factor", "nan", "above 1"),
    ("at_risk_alive_threshold", "100", "from 1 to 99"),
    ("cadence_days", "weekly=7", "awareness, consideration, purchase, retention, advocacy, churned"),
    ("cadence_days", "retention=0", "1 to 3650"),
    ("first_response_hours", "urgent=off", "urgent, high, normal, low"),
]


@pytest.mark.parametrize(("key", "text", "named"), BAD)
def test_a_refused_value_names_what_is_allowed_and_writes_nothing(
    engine: Engine, key: str, text: str, named: str
) -> None:
    with pytest.raises(ValidationFailed) as refused, session_scope(engine, write=True) as s:
        change_setting(s, key, text)
    message = str(refused.value)
    assert message.startswith(f"{key}: must be ") and named in message and repr(text) in message
    assert "\n" not in message
    with session_scope(engine) as s:
        assert s.execute(select(Setting)).all() == []
        assert s.execute(select(AuditEntry)).all() == []


def test_an_unknown_key_is_refused_naming_every_setting(engine: Engine) -> None:
    with pytest.raises(UnknownSetting) as refused, session_scope(engine, write=True) as s:
        change_setting(s, "phone_regoin", "SE")
    assert "phone_regoin" in str(refused.value) and ", ".join(KEYS) in str(refused.value)


def test_a_change_is_audited_with_who_which_key_and_from_what_to_what(engine: Engine) -> None:
    with session_scope(engine, staff="bence", write=True) as s:
        first = change_setting(s, "phone_region", "SE")
    with session_scope(engine, staff="anna", write=True) as s:
        second = change_setting(s, "phone_region", "FI")
    assert first.message() == "phone_region changed from GB to SE"
    assert second.message() == "phone_region changed from SE to FI"
    with session_scope(engine) as s:
        entries = s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()  # type: ignore[arg-type]
        assert [(e.staff, e.action, e.entity, json.loads(e.changes)) for e in entries] == [
            ("bence", "setting", "setting", {"key": "phone_region", "value": ["GB", "SE"]}),
            ("anna", "setting", "setting", {"key": "phone_region", "value": ["SE", "FI"]}),
        ]
        assert load_settings(s).phone_region == "FI"


def test_pairs_change_only_the_names_given_and_say_which(engine: Engine) -> None:
    with session_scope(engine, write=True) as s:
        change = change_setting(s, "cadence_days", "retention=90; churned=120")
        assert change.message() == "cadence_days changed: retention 60 -> 90, churned off -> 120"
        change_setting(s, "cadence_days", "churned=off")
    with session_scope(engine) as s:
        cadence = load_settings(s).cadence_days
    assert cadence == {**Settings().cadence_days, "retention": 90, "churned": None}


def test_the_same_value_again_writes_nothing(engine: Engine) -> None:
    with session_scope(engine, write=True) as s:
        change = change_setting(s, "default_margin", "30")
    assert not change.changed and change.message() == "default_margin is already 30%"
    with session_scope(engine) as s:
        assert s.execute(select(AuditEntry)).all() == []


def test_reset_goes_back_to_the_default_and_is_audited(engine: Engine) -> None:
    with session_scope(engine, write=True) as s:
        change_setting(s, "onboarding_days", "14")
    with session_scope(engine, staff="anna", write=True) as s:
        change = reset_setting(s, "onboarding_days")
    assert change.message() == "onboarding_days changed from 14 to 7, 30, 90"
    with session_scope(engine, write=True) as s:
        assert s.get(Setting, "onboarding_days") is None
        assert load_settings(s).onboarding_days == (7, 30, 90)
        last = s.execute(select(AuditEntry).order_by(AuditEntry.id.desc())).scalars().first()  # type: ignore[union-attr]
        assert last is not None and last.staff == "anna"
        assert json.loads(last.changes) == {"key": "onboarding_days", "value": [[14], [7, 30, 90]], "reset": True}
        assert not reset_setting(s, "onboarding_days").changed  # nothing stored: nothing to record
    with session_scope(engine) as s:
        assert len(s.execute(select(AuditEntry)).all()) == 2


def test_a_change_is_seen_by_the_same_session_at_once(engine: Engine) -> None:
    """The write goes around the ORM: a setting row it loaded before must not be served stale."""
    with session_scope(engine, write=True) as s:
        change_setting(s, "currency", "SEK")
        assert load_settings(s).currency == "SEK"
        change_setting(s, "currency", "ZAR")
        assert load_settings(s).currency == "ZAR"
        assert setting_view(s, "currency").text == "ZAR"
        reset_setting(s, "currency")
        assert load_settings(s).currency == "EUR"
