"""Every released schema's database opens in this version with every record intact.

tests/data/schemas/ holds one frozen desk per released schema (made by tools/make_schema_fixture.py) and
its row counts; each is copied, opened (which migrates it) and checked.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from deskapp.core.customers import service as customers
from deskapp.core.db.engine import current_revision, head_revision, open_engine, session_scope
from deskapp.core.ops.maintenance import check_desk
from deskapp.core.ops.transfer import table_counts

FIXTURES = sorted((Path(__file__).resolve().parents[1] / "data" / "schemas").glob("desk-*.db"))


def test_there_is_a_fixture_for_the_first_release() -> None:
    assert FIXTURES, "keep a desk from each released schema in tests/data/schemas"


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_released_desk_opens_with_every_record(fixture: Path, tmp_path: Path) -> None:
    expected = json.loads(fixture.with_suffix(".counts.json").read_text())
    copy = tmp_path / fixture.name
    shutil.copy(fixture, copy)
    engine = open_engine(copy)
    assert current_revision(engine) == head_revision()
    counts = table_counts(engine)
    assert {k: counts.get(k, 0) for k in expected} == expected
    assert check_desk(engine, repair=False).ok
    with session_scope(engine) as s:
        found = customers.search_customers(s, "zoe angstrom").items
        assert found and found[0].name == "Zoë Ångström-Nagy"
        assert customers.search_customers(s, "odon").items[0].name == "Ödön Kovács"
    engine.dispose()
