from __future__ import annotations

import pytest

from deskapp.launch import _bare_desk_args


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], {}),
        (["--db", "x.db"], {"db": "x.db"}),
        (["--db=x.db", "--as", "anna"], {"db": "x.db", "as": "anna"}),
        (["find", "odon"], None),
        (["--db", "x.db", "demo"], None),
        (["--help"], None),
        (["--db"], None),
    ],
)
def test_only_a_bare_desk_skips_the_cli(argv: list[str], expected: dict[str, str] | None) -> None:
    assert _bare_desk_args(argv) == expected
