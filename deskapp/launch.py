"""The `deskapp` console script: a bare `deskapp` (at most --db/--as) goes straight to the TUI.

Opening the desk is what people do most, and every import before the first paint is time they wait:
building the typer app costs ~0.15 s of CPU, so only commands (and --help) go through it.
"""

from __future__ import annotations

import os
import sys

_VALUE_OPTIONS = ("--db", "--as")


def _bare_desk_args(argv: list[str]) -> dict[str, str] | None:
    """{"db": ..., "as": ...} when argv only opens the desk; None for anything the CLI must handle."""
    found: dict[str, str] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        name, eq, value = arg.partition("=")
        if name not in _VALUE_OPTIONS:
            return None
        if not eq:
            if i + 1 >= len(argv):
                return None
            value = argv[i + 1]
            i += 1
        found[name[2:]] = value
        i += 1
    return found


def main() -> None:
    bare = _bare_desk_args(sys.argv[1:])
    if bare is None:
        from deskapp.cli import main as cli_main

        cli_main()
        return
    from deskapp.tui.app import run_desk

    run_desk(None, url=bare.get("db") or os.environ.get("DESKAPP_DB") or None, staff=bare.get("as"))
