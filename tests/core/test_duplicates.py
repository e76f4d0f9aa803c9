"""Duplicate finding: hand-made near-duplicates found with the right reasons, namesakes left alone."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from deskapp.core.customers import service as customers
from deskapp.core.db.engine import session_scope
from deskapp.core.hygiene.duplicates import DuplicateIndex, DuplicateReport, find_duplicates, likely_duplicates_of
from deskapp.core.hygiene.matching import (
    DEFAULT_MIN_SCORE,
    company_key,
    email_key,
    make_profile,
    name_similarity,
    score_pair,
    soundex,
)
from deskapp.core.records.settings import save_setting
from tests.core.ids import id_of


def pairs_by_names(report: DuplicateReport) -> dict[frozenset[str], tuple[int, tuple[str, ...]]]:
    return {frozenset((p.a.name, p.b.name)): (p.score, p.reasons) for p in report.pairs}


@pytest.fixture
def near_duplicates(engine: Engine) -> None:
    with session_scope(engine, write=True) as s:
        save_setting(s, "phone_region", "SE")
        customers.create_customer(s, name="Kovács Ödön", company="Kovács és Társa Kft.")
        customers.create_customer(s, name="Ödön Kovacs", company="Kovacs es Tarsa")
        customers.create_customer(s, name="Anna Berg", email="Anna.Berg+shop@gmail.com")
        customers.create_customer(s, name="Anna Berg", email="annaberg@gmail.com")
        customers.create_customer(s, name="Åsa Lindqvist", phone="070-123 45 67")
        customers.create_customer(s, name="Asa Lindqvist", phone="+46701234567")
        customers.create_customer(s, name="Jonh Smith", email="john@smith.example")
        customers.create_customer(s, name="John Smith", email="JOHN@smith.example")
        # Namesakes: a common name and nothing else in common.
        customers.create_customer(s, name="Anna Andersson", email="anna.a@example.se", phone="+46709990001")
        customers.create_customer(s, name="Anna Andersson", email="anna.andersson@example.org", phone="+46709990002")
        customers.create_customer(s, name="Anna Andersson")
        customers.create_customer(s, name="Andersson Anna", company="Pyöräkuri Oy")


def test_near_duplicates_are_found_with_their_reasons(engine: Engine, near_duplicates: None) -> None:
    with session_scope(engine) as s:
        report = find_duplicates(s)
    found = pairs_by_names(report)
    score, reasons = found[frozenset(("Kovács Ödön", "Ödön Kovacs"))]
    assert reasons == ("same name (ignoring word order and accents)", "same company") and score >= 60
    score, reasons = found[frozenset(("Anna Berg",))]
    assert reasons == ("same name", "same e-mail (ignoring case, dots, +tag)") and score == 100
    score, reasons = found[frozenset(("Åsa Lindqvist", "Asa Lindqvist"))]
    assert reasons == ("same name (ignoring accents)", "same phone") and score >= 90
    score, reasons = found[frozenset(("Jonh Smith", "John Smith"))]
    assert reasons == ("name 90% alike", "same e-mail") and 80 <= score < 100  # case alone: the same
    assert not [p for p in report.pairs if "Anna Andersson" in (p.a.name, p.b.name)]
    assert len(report.pairs) == 4
    assert report.pairs == tuple(sorted(report.pairs, key=lambda p: (-p.score, p.a.id, p.b.id)))


def test_namesakes_show_only_when_asked_for_low_scores(engine: Engine, near_duplicates: None) -> None:
    with session_scope(engine) as s:
        report = find_duplicates(s, min_score=20)
    namesakes = [p for p in report.pairs if {p.a.name, p.b.name} <= {"Anna Andersson", "Andersson Anna"}]
    assert namesakes and all(p.score < DEFAULT_MIN_SCORE for p in namesakes)
    different = next(p for p in namesakes if p.a.email and p.b.email)
    assert different.reasons == ("same name", "different e-mails", "different phones")


def test_archived_customers_are_left_out_unless_asked(engine: Engine) -> None:
    with session_scope(engine, write=True) as s:
        customers.create_customer(s, name="Lea Nkosi", email="lea@example.co.za")
        gone = customers.create_customer(s, name="Lea Nkosi", email="LEA@example.co.za")
        customers.archive_customer(s, id_of(gone))
    with session_scope(engine) as s:
        assert find_duplicates(s).pairs == ()
        assert len(find_duplicates(s, include_archived=True).pairs) == 1
        assert len(find_duplicates(s, include_archived=True, limit=0).pairs) == 0


def test_a_shared_mailbox_is_a_skipped_block_not_a_pile_of_pairs() -> None:
    names = ["Ada Ek", "Bo Falk", "Cy Gran", "Di Holm", "Ed Ivarsson", "Flo Jarl", "Gus Kask"]
    rows = [(i, names[i - 1], "info@shop.example", "", "", None, None) for i in range(1, 8)]
    rows.append((8, "Ulla Berg", "ulla@example.com", "+46701112233", "", None, None))
    rows.append((9, "Ulla Berg", "", "+46701112233", "", None, None))
    index = DuplicateIndex.from_rows(rows, max_block=5)
    assert ("e:info@shop.example", 7) in index.oversized()
    assert list(index.candidate_pairs()) == [(8, 9)]  # the shop's address pairs nobody
    # One record against the index still scans the big block: a lookup is cheap.
    probe = make_profile(0, "Cy Gran", email="info@shop.example")
    assert index.matches(probe)[0][:2] == (3, 100)


def test_blocking_keeps_the_comparisons_near_linear() -> None:
    """10,000 customers sharing a handful of first and last names: pairs are formed only through keys
    that identify someone, never name against name."""
    first, last = ["Anna", "Emma", "Lars", "Erik"], ["Berg", "Nagy", "Smith"]
    rows = [
        (i, f"{first[i % 4]} {last[i % 3]}", f"p{i}@example.com", f"+467010{i:05d}", "", None, None)
        for i in range(1, 10_001)
    ]
    index = DuplicateIndex.from_rows(rows, name_keys=False)
    assert sum(1 for _ in index.candidate_pairs()) == 0
    with_names = DuplicateIndex.from_rows(rows, max_block=60)
    assert sum(1 for _ in with_names.candidate_pairs()) == 0  # every name block is oversized
    assert with_names.oversized()[0][1] > 60


def test_likely_duplicates_on_create(engine: Engine) -> None:
    with session_scope(engine, write=True) as s:
        save_setting(s, "phone_region", "SE")
        anna = customers.create_customer(s, name="Anna Berg", email="Anna.Berg+shop@gmail.com", external_id="A-1")
        asa = customers.create_customer(s, name="Åsa Lindqvist", phone="070-123 45 67")
        common = customers.create_customer(s, name="Lars Nilsson")
        tagged = customers.create_customer(s, name="Pia Ek", email="pia+news@example.se")
    with session_scope(engine) as s:
        found = likely_duplicates_of(s, {"name": "Someone Else", "email": "annaberg@googlemail.com"})
        assert [(d.customer.id, d.certain) for d in found] == [(anna.id, True)]  # e-mail: always reported
        found = likely_duplicates_of(s, {"name": "X", "external_id": "A-1"})
        assert found[0].customer.id == anna.id and found[0].certain and "same external id" in found[0].reasons
        found = likely_duplicates_of(s, {"name": "Lindqvist Asa", "phone": "+46 70 123 45 67"})
        assert found[0].customer.id == asa.id and "same phone" in found[0].reasons and not found[0].certain
        assert likely_duplicates_of(s, {"name": "Lars Nilsson"}) == []  # a name alone: not by default
        assert likely_duplicates_of(s, {"name": "Lars Nilsson"}, min_score=40)[0].customer.id == common.id
        assert likely_duplicates_of(s, {"name": "Pia Ek", "email": "PIA@example.se"})[0].customer.id == tagged.id
        assert likely_duplicates_of(s, {"name": "Anna Berg", "email": "annaberg@gmail.com"}, exclude_id=anna.id) == []
        assert likely_duplicates_of(s, {"name": "Nobody", "phone": "not a phone", "birthday": "31.02.2020"}) == []
        assert likely_duplicates_of(s, {}) == []


def test_normalising_keys() -> None:
    assert email_key("Anna.Berg+shop@gmail.com") == email_key("annaberg@googlemail.com") == "annaberg@gmail.com"
    assert email_key("anna.berg+x@example.com") == "anna.berg@example.com"  # dots matter elsewhere
    assert email_key("not an address") == "" and email_key("+tag@example.com") == ""
    assert company_key("Kovács és Társa Kft.") == company_key("KOVACS ES TARSA") == "kovacs"
    assert company_key("Spoke & Chain Ltd") == "spoke chain"
    assert soundex("jonh") == soundex("john") == "j500"
    assert soundex("ashcraft") == "a261" and soundex("tymczak") == "t522"


def test_scores_from_each_kind_of_evidence() -> None:
    def score(a: dict[str, Any], b: dict[str, Any]) -> tuple[int, tuple[str, ...]]:
        result = score_pair(make_profile(1, **a), make_profile(2, **b))
        assert result is not None
        return result

    assert name_similarity(make_profile(1, "A. Berg"), make_profile(2, "Anna Berg")) == 92
    assert name_similarity(make_profile(1, "Anna Maria Berg"), make_profile(2, "Berg Anna")) == 95
    assert score({"name": "Anna Berg"}, {"name": "Anna Berg"})[0] < DEFAULT_MIN_SCORE
    assert (
        score({"name": "Anna Berg", "birthday": date(1990, 1, 2)}, {"name": "Anna Berg", "birthday": date(1990, 1, 2)})[
            0
        ]
        >= DEFAULT_MIN_SCORE
    )
    different_days = score(
        {"name": "Anna Berg", "phone": "+1", "birthday": date(1990, 1, 2)},
        {"name": "Anna Berg", "phone": "+1", "birthday": date(1991, 1, 2)},
    )
    assert "different birthdays" in different_days[1] and different_days[0] < DEFAULT_MIN_SCORE
    family = score({"name": "Anna Berg", "email": "home@example.se"}, {"name": "Anna Nagy", "email": "home@example.se"})
    assert family[0] < DEFAULT_MIN_SCORE and family[1][0] == "same e-mail"
    assert score_pair(make_profile(1, "Anna Berg"), make_profile(2, "Anna Berg"), min_score=60) is None
