"""Start-up: the app module paints without the database layer, and a bad database ends the app cleanly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from deskapp.tui.app import DeskApp
from tests.tui.conftest import settle


def test_importing_the_app_leaves_the_core_for_later() -> None:
    """SQLAlchemy, SQLModel and Alembic cost ~0.6 s to import: they load in a worker after the first paint."""
    code = (
        "import sys, deskapp.tui.app\n"
        "bad = [m for m in ('sqlalchemy', 'sqlmodel', 'alembic', 'deskapp.core.db.engine') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


async def test_a_file_that_is_not_a_desk_ends_the_app_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database, just notes\n")
    app = DeskApp(None, url=make_url(f"sqlite:///{path}"), poll_seconds=0, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
    assert app.return_code == 2
    assert path.read_text() == "not a database, just notes\n"  # untouched
