"""Saved mappings: a nightly file read the same way under a name, kept in the setting table."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from deskapp.core.db.engine import session_scope
from deskapp.core.io.importing import ImportOptions, MappingError, import_file
from deskapp.core.io.importing.pipeline import ImportSummary
from deskapp.core.io.importing.saved_mappings import (
    SavedMapping,
    check_name,
    get_mapping,
    list_mappings,
    save_after_import,
    save_mapping,
)
from deskapp.core.records.settings import load_settings, save_setting
from deskapp.core.records.tables import AuditEntry, Customer, Setting
from tests.core.importing.conftest import table_snapshot

NIGHT_1 = "Kundnr;Namn;Privat;Epost;Född\nK1;Anna Berg;anna@home.se;anna@work.se;03/04/1990\n"
NIGHT_2 = "Kundnr;Namn;Privat;Epost;Född\nK2;Bo Ek;bo@home.se;bo@work.se;05/06/1985\n"
NIGHT_1_MAP = ("Kundnr=external_id", "Namn=name", "Privat=email", "Epost=", "Född=birthday")


def run(engine: Engine, kind: str, body: str, options: ImportOptions) -> ImportSummary:
    return import_file(engine, kind, io.BytesIO(body.encode()), options, staff="night-job")


def import_and_save(engine: Engine, name: str, body: str, **given: Any) -> tuple[Any, SavedMapping | None]:
    options = ImportOptions(**given)
    summary = run(engine, "customers", body, options)
    return summary, save_after_import(engine, name, summary, options, staff="owner")


def saved(engine: Engine, name: str) -> SavedMapping:
    with session_scope(engine) as session:
        return get_mapping(session, name)


def customer(engine: Engine, external_id: str) -> Customer:
    with session_scope(engine) as session:
        found: Customer = session.execute(select(Customer).where(col(Customer.external_id) == external_id)).scalar_one()
        return found


def test_a_committed_import_saves_its_columns_ignores_and_given_reading_options(engine: Engine) -> None:
    summary, kept = import_and_save(engine, "shop", NIGHT_1, mapping=NIGHT_1_MAP, delimiter=";", dayfirst=False)
    assert summary.committed and kept is not None
    shop = saved(engine, "shop")
    assert shop.kind == "customers" and shop.saved_by == "owner" and shop.file
    assert shop.columns == (
        ("Kundnr", "external_id"),
        ("Namn", "name"),
        ("Privat", "email"),
        ("Född", "birthday"),
    )
    assert shop.ignored == ("Epost",)
    # only the reading options that were given are kept: the encoding was detected, so it is not
    assert shop.options_given() == {"delimiter": ";", "dayfirst": False}
    with session_scope(engine) as session:
        row = session.get(Setting, "import.mapping.shop")
        assert row is not None and json.loads(row.value)["kind"] == "customers"
        # the setting table is audited: saving a mapping leaves a trail like any setting
        entries = session.execute(select(AuditEntry).where(col(AuditEntry.entity) == "setting")).scalars().all()
        assert len(entries) == 1 and entries[0].staff == "owner"


def test_business_settings_ignore_the_saved_mappings(engine: Engine) -> None:
    import_and_save(engine, "shop", NIGHT_1, mapping=NIGHT_1_MAP)
    with session_scope(engine, write=True) as session:
        save_setting(session, "phone_region", "SE")
        session.add(Setting(key="import.mapping.broken", value="not json{"))  # edited by hand
    with session_scope(engine) as session:
        assert load_settings(session).phone_region == "SE"
        # a value that is not a mapping is left out of the list, not a crash
        assert [m.name for m in list_mappings(session)] == ["shop"]
        with pytest.raises(MappingError, match="unreadable"):
            get_mapping(session, "broken")
        with pytest.raises(KeyError):  # the settings code can't be used to overwrite a mapping
            save_setting(session, "import.mapping.shop", {})


def test_the_next_file_is_read_the_same_way_with_the_saved_options(engine: Engine) -> None:
    import_and_save(engine, "shop", NIGHT_1, mapping=NIGHT_1_MAP, delimiter=";", dayfirst=False)
    # With no options at all, the automatic match would take Epost as the e-mail, and dates day first.
    summary = run(engine, "customers", NIGHT_2, ImportOptions(saved_mapping=saved(engine, "shop")))
    assert summary.committed and summary.counts.inserted == 1
    bo = customer(engine, "K2")
    assert (bo.name, bo.email, bo.birthday) == ("Bo Ek", "bo@home.se", date(1985, 5, 6))  # month first, saved
    assert ("Epost" in summary.ignored) and summary.delimiter == ";"


def test_explicit_options_win_over_the_saved_ones(engine: Engine) -> None:
    import_and_save(engine, "shop", NIGHT_1, mapping=NIGHT_1_MAP, dayfirst=False)
    options = ImportOptions(saved_mapping=saved(engine, "shop"), mapping=("Epost=email", "Privat=notes"), dayfirst=True)
    summary = run(engine, "customers", NIGHT_2, options)
    assert summary.committed
    bo = customer(engine, "K2")
    assert (bo.email, bo.notes, bo.birthday) == ("bo@work.se", "bo@home.se", date(1985, 6, 5))


def test_a_new_column_for_a_saved_field_replaces_the_saved_one(engine: Engine) -> None:
    import_and_save(engine, "shop", NIGHT_1, mapping=NIGHT_1_MAP)
    renamed = NIGHT_2.replace("Namn", "Kund")
    options = ImportOptions(saved_mapping=saved(engine, "shop"), mapping=("Kund=name",))
    assert run(engine, "customers", renamed, options).committed
    assert customer(engine, "K2").name == "Bo Ek"


def test_missing_saved_columns_are_all_named_and_nothing_is_written(engine: Engine) -> None:
    import_and_save(engine, "shop", NIGHT_1, mapping=NIGHT_1_MAP)
    before = table_snapshot(engine)
    lacking = "Kundnr;Name;Epost\nK3;Cy Dahl;cy@x.se\n"
    with pytest.raises(MappingError) as caught:
        run(engine, "customers", lacking, ImportOptions(saved_mapping=saved(engine, "shop")))
    message = str(caught.value)
    assert "lacks 3 columns the saved mapping 'shop' reads: 'Namn' (name), 'Privat' (email), 'Född' (birthday)" in (
        message
    )
    assert "its columns are Kundnr, Name, Epost" in message and "--save-mapping shop" in message
    assert table_snapshot(engine) == before
    # "Column=" does without a saved column the file no longer has
    options = ImportOptions(saved_mapping=saved(engine, "shop"), mapping=("Name=name", "Privat=", "Född="))
    assert run(engine, "customers", lacking, options).committed
    assert customer(engine, "K3").email == ""


def test_a_mapping_saved_for_another_kind_is_refused_before_anything_is_read(engine: Engine) -> None:
    import_and_save(engine, "shop", NIGHT_1, mapping=NIGHT_1_MAP)
    before = table_snapshot(engine)
    body = "Kundnr;Belopp\nK1;100\n"
    with pytest.raises(MappingError, match=r"mapping 'shop' was saved for customers, not purchases"):
        run(engine, "purchases", body, ImportOptions(saved_mapping=saved(engine, "shop")))
    assert table_snapshot(engine) == before


def test_an_unknown_name_lists_the_saved_ones(engine: Engine) -> None:
    with session_scope(engine) as session, pytest.raises(MappingError, match="none are saved yet"):
        get_mapping(session, "shop")
    import_and_save(engine, "shop", NIGHT_1, mapping=NIGHT_1_MAP)
    import_and_save(engine, "crm", "name,email\nEva,eva@x.se\n")
    with session_scope(engine) as session:
        with pytest.raises(MappingError, match=r"no mapping is saved under 'shp'; saved mappings: crm, shop"):
            get_mapping(session, "shp")
        assert [m.name for m in list_mappings(session)] == ["crm", "shop"]


def test_saving_again_replaces_the_mapping(engine: Engine) -> None:
    import_and_save(engine, "shop", NIGHT_1, mapping=NIGHT_1_MAP)
    import_and_save(engine, "shop", NIGHT_2, mapping=("Kundnr=external_id", "Namn=name", "Privat=", "Född="))
    shop = saved(engine, "shop")
    assert dict(shop.columns)["Epost"] == "email" and set(shop.ignored) == {"Privat", "Född"}


def test_a_mapping_is_saved_only_when_the_import_commits_or_a_dry_run_would_have(engine: Engine) -> None:
    bad = "Kundnr;Namn;Privat;Epost;Född\nK1;Anna;not-an-address;a@b.se;\n"
    summary, kept = import_and_save(engine, "bad", bad, mapping=NIGHT_1_MAP)
    assert not summary.committed and kept is None
    summary, kept = import_and_save(engine, "bad", bad, mapping=NIGHT_1_MAP, dry_run=True)
    assert kept is None
    summary, kept = import_and_save(engine, "tried", NIGHT_1, mapping=NIGHT_1_MAP, dry_run=True)
    assert kept is not None and not summary.committed
    summary, kept = import_and_save(engine, "lenient", bad, mapping=NIGHT_1_MAP, dry_run=True, skip_invalid=True)
    assert kept is not None
    with session_scope(engine) as session:
        assert [m.name for m in list_mappings(session)] == ["lenient", "tried"]
        assert session.execute(select(Customer)).first() is None  # the dry runs wrote no customer


def test_joined_and_several_column_fields_replay_in_order(engine: Engine) -> None:
    body = "First Name,Last Name,Mobile Phone,Home Phone,Kod\nAnna,Berg,,+46701234567,K1\n"
    # the home phone before the mobile: the opposite of what the synonyms would pick
    import_and_save(engine, "outlookish", body, mapping=("Kod=external_id", "Home Phone=phone", "Mobile Phone=phone"))
    shop = saved(engine, "outlookish")
    assert [c for c, f in shop.columns if f == "phone"] == ["Home Phone", "Mobile Phone"]
    assert [c for c, f in shop.columns if f == "name_parts"] == ["First Name", "Last Name"]
    again = "Kod,Mobile Phone,Home Phone,Last Name,First Name\nK2,+46702222222,+46701111111,Ek,Bo\n"
    summary = run(engine, "customers", again, ImportOptions(saved_mapping=shop))
    assert summary.committed
    bo = customer(engine, "K2")
    assert (bo.name, bo.phone) == ("Bo Ek", "+46701111111")  # the home phone first, as saved


@pytest.mark.parametrize("name", ["", "two words", "-dash", "x" * 61, "a/b", "[bold]x[/]"])
def test_names_that_cannot_name_a_mapping(name: str) -> None:
    with pytest.raises(MappingError, match="can't name a mapping"):
        check_name(name)


def test_save_mapping_refuses_a_bad_name(engine: Engine) -> None:
    with session_scope(engine, write=True) as session, pytest.raises(MappingError):
        save_mapping(session, SavedMapping("no good", "customers", (("Namn", "name"),)))
