"""Likely duplicates on import: new customers that are probably someone already in the desk (or an earlier
row of the same file) are reported, and with duplicates="skip" left out; namesakes are not reported."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from deskapp.core.customers.service import archive_customer, create_customer
from deskapp.core.db.engine import session_scope
from deskapp.core.hygiene.matching import exact_evidence, make_profile
from deskapp.core.io.importing import ImportFileError, ImportOptions, import_file, likely
from deskapp.core.io.importing.pipeline import ImportSummary
from deskapp.core.records.settings import save_setting
from deskapp.core.records.tables import Customer
from tests.core.ids import id_of

HEADER = "name,email,phone,company\n"
NIGHT = HEADER + (
    "Berg Ánna,Anna.Berg+shop@gmail.com,,\n"  # line 2: Anna Berg's mailbox, words swapped, an accent
    "Anna Berg,,070-123 45 67,\n"  # line 3: Anna Berg's phone, written the Swedish way
    "Anna Berg,anna@elsewhere.se,+46 70 555 55 55,\n"  # line 4: another Anna Berg
    "Zsófia Tóth,zsofia@example.hu,+36 70 123 4567,\n"  # line 5: new
    "Zsofia Toth,,+36701234567,\n"  # line 6: line 5 again, without accents
    "Erik Nagy,erik@example.se,,Nagy Kft\n"  # line 7: Erik by his e-mail: an update, not a new customer
    "Karin Lind,,+46 70 777 77 77,\n"  # line 8: an archived customer coming back
)


@pytest.fixture
def desk(engine: Engine) -> dict[str, int]:
    with session_scope(engine, staff="owner", write=True) as session:
        save_setting(session, "phone_region", "SE")
        ids = {
            "anna": id_of(create_customer(session, name="Anna Berg", email="annaberg@gmail.com", phone="+46701234567")),
            "erik": id_of(create_customer(session, name="Erik Nagy", email="erik@example.se")),
            "karin": id_of(create_customer(session, name="Karin Lind", phone="+46707777777")),
        }
        # namesakes: the most common name in the desk, each with an address and a number of their own
        for i in range(70):
            create_customer(session, name="Anna Berg", email=f"anna.berg{i}@telia.se", phone=f"+4670200{i:04d}")
        archive_customer(session, ids["karin"])
    return ids


def run(engine: Engine, body: str, **options: Any) -> ImportSummary:
    return import_file(engine, "customers", io.BytesIO(body.encode()), ImportOptions(**options), staff="night-job")


def customers_with(engine: Engine, **where: Any) -> list[int]:
    with session_scope(engine) as session:
        stmt = select(col(Customer.id)).order_by(col(Customer.id))
        for column, value in where.items():
            stmt = stmt.where(getattr(Customer, column) == value)
        return list(session.execute(stmt).scalars())


def test_near_duplicates_are_reported_and_still_created(engine: Engine, desk: dict[str, int]) -> None:
    summary = run(engine, NIGHT)
    assert summary.committed and summary.counts.inserted == 6 and summary.counts.updated == 1
    found = {d.line: d for d in summary.likely_duplicates}
    assert sorted(found) == [2, 3, 6, 8] and summary.likely_duplicates_total == 4
    assert found[2].customer_id == desk["anna"] and found[2].customer_name == "Anna Berg"
    assert "same e-mail (ignoring case, dots, +tag)" in found[2].reasons
    assert "same name (ignoring word order and accents)" in found[2].reasons
    assert found[3].customer_id == desk["anna"] and found[3].reasons == ("same name", "same phone")
    assert found[8].customer_id == desk["karin"]
    zsofia = customers_with(engine, email="zsofia@example.hu")
    assert (found[6].customer_id, found[6].same_file_line, found[6].customer_name) == (zsofia[0], 5, "Zsófia Tóth")
    anna = desk["anna"]
    assert found[3].describe() == f"line 3 Anna Berg looks like customer {anna} Anna Berg: same name, same phone"
    assert found[6].describe().startswith("line 6 Zsofia Toth looks like line 5 Zsófia Tóth (new in this file)")
    assert not any(d.skipped for d in summary.likely_duplicates)
    # reported is not silent, and not refused either: every row is a customer now
    assert len(customers_with(engine, phone="+46701234567")) == 2


def test_the_json_summary_lists_them(engine: Engine, desk: dict[str, int]) -> None:
    data = run(engine, NIGHT).as_dict()
    assert data["likely_duplicates_total"] == 4
    first = data["likely_duplicates"][0]
    assert set(first) >= {"line", "name", "customer_id", "customer_name", "score", "reasons"}
    assert (first["line"], first["name"], first["customer_id"]) == (2, "Berg Ánna", desk["anna"])
    assert 60 <= first["score"] <= 100 and isinstance(first["reasons"], list)


def test_skip_leaves_them_out_and_counts_them_as_skipped(engine: Engine, desk: dict[str, int]) -> None:
    summary = run(engine, NIGHT, duplicates="skip")
    assert summary.committed
    assert (summary.counts.inserted, summary.counts.skipped, summary.counts.updated) == (2, 4, 1)
    assert [d.line for d in summary.likely_duplicates] == [2, 3, 6, 8]
    assert all(d.skipped for d in summary.likely_duplicates)
    assert customers_with(engine, phone="+46701234567") == [desk["anna"]]
    assert len(customers_with(engine, phone="+36701234567")) == 1  # line 5 created, its copy on line 6 not
    assert customers_with(engine, name="Anna Berg", email="anna@elsewhere.se") != []


def test_namesakes_are_not_reported(engine: Engine, desk: dict[str, int]) -> None:
    body = HEADER + "".join(f"Anna Berg,anna.b{i}@example.org,,\n" for i in range(5)) + "Anna Berg,,,\n"
    summary = run(engine, body)
    assert summary.counts.inserted == 6 and summary.likely_duplicates == [] and summary.likely_duplicates_total == 0


def test_same_results_across_batches_and_the_index_is_built_once(
    engine: Engine, desk: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    built = []
    real = likely.desk_index

    def counting(session: Any) -> Any:
        built.append(1)
        return real(session)

    monkeypatch.setattr(likely, "desk_index", counting)
    summary = run(engine, NIGHT, batch_size=1)
    assert [d.line for d in summary.likely_duplicates] == [2, 3, 6, 8] and built == [1]
    assert summary.likely_duplicates[2].customer_id == customers_with(engine, email="zsofia@example.hu")[0]


def test_an_import_of_known_customers_only_never_builds_the_index(
    engine: Engine, desk: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the index was built for an import without new customers")

    monkeypatch.setattr(likely, "desk_index", refuse)
    summary = run(engine, HEADER + "Anna Berg,annaberg@gmail.com,,Berg AB\nErik Nagy,erik@example.se,,\n")
    assert summary.committed and summary.counts.updated == 1 and summary.counts.unchanged == 1
    assert "duplicates" not in summary.timings


def test_a_dry_run_reports_the_same_without_ids_for_rows_never_created(engine: Engine, desk: dict[str, int]) -> None:
    with session_scope(engine) as session:
        before = session.execute(select(func.count()).select_from(Customer)).scalar_one()
    summary = run(engine, NIGHT, dry_run=True)
    assert [d.line for d in summary.likely_duplicates] == [2, 3, 6, 8]
    rows = {d["line"]: d for d in summary.as_dict()["likely_duplicates"]}
    assert rows[2]["customer_id"] == desk["anna"]
    assert rows[6]["customer_id"] is None and rows[6]["same_file_line"] == 5  # line 5 was never created
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(Customer)).scalar_one() == before


def test_invalid_rows_elsewhere_keep_the_report(engine: Engine, desk: dict[str, int]) -> None:
    summary = run(engine, NIGHT + "Bad Row,not-an-address,,\n")
    assert not summary.committed and summary.counts.rejected == 1
    assert [d.line for d in summary.likely_duplicates] == [2, 3, 6, 8]


def test_the_option_is_checked(engine: Engine) -> None:
    with pytest.raises(ImportFileError, match="--duplicates must be create or skip"):
        run(engine, HEADER, duplicates="maybe")
    body = "customer_email,amount\na@b.se,10\n"
    with pytest.raises(ImportFileError, match="--duplicates skip is for customers imports"):
        import_file(engine, "purchases", io.BytesIO(body.encode()), ImportOptions(duplicates="skip"))


def test_the_inline_points_are_the_matching_modules_points() -> None:
    """The check's inner loop scores the exact evidence inline; it must agree with matching.exact_evidence
    (for profiles without external ids, which the import leaves out) in every combination."""
    emails = ("", "anna.berg+x@gmail.com", "annaberg@gmail.com", "other@example.se")
    phones = ("", "+46701234567", "+46709999999")
    companies = ("", "Berg AB", "Nagy Kft")
    birthdays = (None, date(1990, 4, 3), date(1985, 6, 5))
    sides = [
        make_profile(0, "Anna Berg", email=e, phone=p, company=c, birthday=b)
        for e in emails
        for p in phones
        for c in companies
        for b in birthdays
    ]
    for a in sides:
        for b in sides:
            assert likely.exact_points(a, b) == exact_evidence(a, b)[0], (a, b)


def test_a_very_large_file_keeps_a_bounded_number_of_its_rows(
    engine: Engine, desk: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(likely, "MAX_FILE_ROWS", 4)
    summary = run(engine, NIGHT)  # lines 2-6 and 8 are new: line 6's twin (line 5) is the 4th kept
    assert [d.line for d in summary.likely_duplicates] == [2, 3, 6, 8]
    body = HEADER + "".join(f"Person {i},p{i}@gmail.com,,\n" for i in range(5))  # lines 2-6
    body += "Person 1,p.1+x@gmail.com,,\n"  # line 7: like line 3, among the first 4 kept
    body += "Person 4,p.4+x@gmail.com,,\n"  # line 8: like line 6, which came after them
    summary = run(engine, body)
    assert summary.counts.inserted == 7 and [(d.line, d.same_file_line) for d in summary.likely_duplicates] == [(7, 3)]
    assert any("after the first 4 were checked against the desk" in n for n in summary.notices)
