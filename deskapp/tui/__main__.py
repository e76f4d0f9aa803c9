"""`python -m deskapp.tui [--db PATH_OR_URL] [--as STAFF]`: the desk, painted before the database opens.

The same app as `deskapp`, but the engine is opened (and migrated) in a worker after the first paint rather
than before the app starts, so the core's imports (SQLAlchemy, SQLModel, Alembic: ~0.6 s) overlap the
first screen instead of delaying it. benchmarks/tui_startup.py measures both ways in.
"""

from __future__ import annotations

import argparse
import os


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deskapp.tui", description="Open the desk in the terminal.")
    parser.add_argument("--db", default=os.environ.get("DESKAPP_DB"), help="database file or SQLAlchemy URL")
    parser.add_argument("--as", dest="staff", default=os.environ.get("DESKAPP_USER"), help="who you are")
    args = parser.parse_args(argv)
    from deskapp.tui.app import run_desk

    run_desk(None, url=args.db, staff=args.staff)


if __name__ == "__main__":
    main()
