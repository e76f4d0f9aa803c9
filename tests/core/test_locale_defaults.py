"""A new desk takes its phone region and currency from the OS locale, once, when it is created."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from deskapp.core.db.engine import open_engine, session_scope
from deskapp.core.ops.transfer import copy_desk
from deskapp.core.records.os_locale import CURRENCIES, CURRENCY_OF_COUNTRY, locale_defaults
from deskapp.core.records.settings import Settings, load_settings
from deskapp.core.records.tables import AuditEntry

LOCALES = [
    ("sv_SE.UTF-8", "SE", "SEK"),
    ("fi_FI.UTF-8", "FI", "EUR"),
    ("fi_FI", "FI", "EUR"),
    ("hu_HU.UTF-8", "HU", "HUF"),
    ("af_ZA.UTF-8", "ZA", "ZAR"),
    ("en_ZA.UTF-8", "ZA", "ZAR"),
    ("en_GB.UTF-8", "GB", "GBP"),
    ("sv_FI.utf8@euro", "FI", "EUR"),
    ("C", "GB", "EUR"),
    ("C.UTF-8", "GB", "EUR"),
    ("POSIX", "GB", "EUR"),
    ("", "GB", "EUR"),
]


def region_and_currency(path: Path) -> tuple[str, str]:
    engine = open_engine(path)
    try:
        with session_scope(engine) as s:
            settings = load_settings(s)
        return settings.phone_region, settings.currency
    finally:
        engine.dispose()


@pytest.mark.parametrize(("lang", "region", "currency"), LOCALES)
def test_a_new_desk_takes_region_and_currency_from_lang(
    lang: str, region: str, currency: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", lang)
    assert region_and_currency(tmp_path / "desk.db") == (region, currency)


def test_without_any_locale_variable_the_defaults_stay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LANG")
    assert region_and_currency(tmp_path / "desk.db") == (Settings().phone_region, Settings().currency)


def test_lc_all_then_lc_messages_win_over_lang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "sv_SE.UTF-8")
    monkeypatch.setenv("LC_MESSAGES", "hu_HU.UTF-8")
    assert region_and_currency(tmp_path / "one.db") == ("HU", "HUF")
    monkeypatch.setenv("LC_ALL", "en_ZA.UTF-8")
    assert region_and_currency(tmp_path / "two.db") == ("ZA", "ZAR")
    monkeypatch.setenv("LC_ALL", "C")  # LC_ALL=C means C, whatever LANG says
    assert region_and_currency(tmp_path / "three.db") == ("GB", "EUR")


def test_only_when_the_desk_is_created_and_audited_with_the_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "desk.db"
    monkeypatch.setenv("LANG", "sv_SE.UTF-8")
    assert region_and_currency(path) == ("SE", "SEK")
    monkeypatch.setenv("LANG", "hu_HU.UTF-8")  # a colleague with another locale opens it
    assert region_and_currency(path) == ("SE", "SEK")
    engine = open_engine(path)
    with session_scope(engine) as s:
        entries = [(e.action, json.loads(e.changes)) for e in s.execute(select(AuditEntry)).scalars()]
    engine.dispose()
    why = "the OS locale (LANG=sv_SE.UTF-8)"
    assert entries == [
        ("setting", {"key": "phone_region", "value": ["GB", "SE"], "why": why}),
        ("setting", {"key": "currency", "value": ["EUR", "SEK"], "why": why}),
    ]


def test_an_existing_desk_keeps_its_settings_under_a_new_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "desk.db"
    assert region_and_currency(path) == ("GB", "EUR")
    monkeypatch.setenv("LANG", "sv_SE.UTF-8")
    assert region_and_currency(path) == ("GB", "EUR")


def test_a_copy_into_an_empty_desk_still_works_under_a_locale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`db copy --to` opens its target unmigrated: the target must stay empty for the copy to go in."""
    monkeypatch.setenv("LANG", "fi_FI.UTF-8")
    source = open_engine(tmp_path / "source.db")
    target = open_engine(tmp_path / "target.db", migrate=False)
    copy_desk(source, target)
    with session_scope(target) as s:
        assert load_settings(s).phone_region == "FI"  # copied from the source, not taken again
    source.dispose()
    target.dispose()


def test_the_demo_business_keeps_its_own_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    from deskapp.core.io.sample import ensure_demo_database

    monkeypatch.setenv("LANG", "hu_HU.UTF-8")
    engine = ensure_demo_database(tmp_path / "demo.db", today=date(2026, 11, 23))
    with session_scope(engine) as s:
        assert (load_settings(s).phone_region, load_settings(s).currency) == ("GB", "EUR")
    engine.dispose()


def test_every_country_phonenumbers_knows_has_a_currency_in_use() -> None:
    import phonenumbers

    assert set(phonenumbers.SUPPORTED_REGIONS) <= set(CURRENCY_OF_COUNTRY)
    assert all(len(code) == 3 and code.isupper() for code in CURRENCIES)
    assert locale_defaults({"LANG": "en_US.UTF-8"}) is not None
    assert locale_defaults({"LANG": "sv"}) is None  # a language alone names no country
