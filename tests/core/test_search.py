"""Search: accent- and case-folding, prefixes, phones, ranking, and hostile text that must never break it."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deskapp.core.customers import service as customers
from deskapp.core.customers.search import fts_expression, search_terms
from deskapp.core.db.engine import DeskSession
from deskapp.core.records.tables import id_of
from deskapp.core.records.validation import fold


@pytest.fixture
def people(session: DeskSession) -> dict[str, int]:
    names: dict[str, dict[str, Any]] = {
        "odon": {"name": "Ödön Kovács", "company": "Kovács és Társa Kft.", "phone": "+36 30 123 4567"},
        "asa": {"name": "Åsa Lindqvist", "email": "asa.lindqvist@telia.com", "tags": "vip"},
        "pieter": {"name": "Pieter van der Merwe", "company": "Spoke & Chain", "phone": "+27 82 555 1234"},
        "anna": {"name": "Anna Berg", "company": "Odontologi AB"},
        "markup": {"name": "[bold red]X[/] Danger"},
    }
    return {key: id_of(customers.create_customer(session, **fields)) for key, fields in names.items()}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("odon", "odon"),
        ("ÖDÖN", "odon"),
        ("kovacs", "odon"),
        ("asa", "asa"),
        ("lindq", "asa"),
        ("telia", "asa"),
        ("vip", "asa"),
        ("van der", "pieter"),
        ("+27 82 555", "pieter"),
        ("0825551234", "pieter"),
        ("30 123 4567", "odon"),
    ],
)
def test_finds(session: DeskSession, people: dict[str, int], query: str, expected: str) -> None:
    found = [r.id for r in customers.search_customers(session, query)]
    assert people[expected] in found


def test_name_hits_rank_above_company_hits(session: DeskSession, people: dict[str, int]) -> None:
    found = [r.id for r in customers.search_customers(session, "odon")]
    assert found[:2] == [people["odon"], people["anna"]]


@pytest.mark.parametrize(
    "hostile",
    ['"', "'", "*", "AND", "OR NOT", "NEAR(a b)", "(", ")", "^x", "a:b", "-x", "'; DROP TABLE customer; --", "%", "_"],
)
def test_hostile_text_never_errors(session: DeskSession, people: dict[str, int], hostile: str) -> None:
    customers.search_customers(session, hostile)
    assert customers.count_customers(session) == 5


def test_markup_is_just_text(session: DeskSession, people: dict[str, int]) -> None:
    row = customers.search_customers(session, "bold red").items[0]
    assert row.name == "[bold red]X[/] Danger"


@given(st.text(min_size=1, max_size=40))
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_any_text_is_a_safe_query(session: DeskSession, people: dict[str, int], text: str) -> None:
    customers.search_customers(session, text)
    expr = fts_expression(search_terms(text))
    assert expr.count('"') % 2 == 0


@given(
    st.text(alphabet=string.ascii_letters + "ÅÄÖåäöÉéŐőŰűÜüÁáÍíÓóÚú", min_size=2, max_size=12).filter(
        lambda s: fold(s).isalpha()
    )
)
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_folding_finds_a_name_by_its_plain_prefix(session: DeskSession, text: str) -> None:
    """Property: any name is found by the accent-free, lower-cased first letters of it."""
    created = customers.create_customer(session, name=f"{text} Testperson")
    query = fold(text)[:3]
    found = {r.id for r in customers.search_customers(session, query, limit=2000)}
    assert created.id in found
