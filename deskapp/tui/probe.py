"""Start-up probes for `benchmarks/tui_startup.py`: record when the first screen painted and when the Today
screen showed its data, and optionally exit there. Inert unless DESKAPP_PROBE names a file."""

from __future__ import annotations

import os
import time
from typing import Any

_seen: set[str] = set()
_exiting = False


def exiting() -> bool:
    """True once a probe asked the app to exit: start no more work (so CPU time to paint stays that)."""
    return _exiting


def mark(app: Any, event: str) -> bool:
    """Append "<event> <unix time>" to $DESKAPP_PROBE once per event; exit if DESKAPP_PROBE_EXIT == event.
    Returns whether the app is exiting."""
    global _exiting
    path = os.environ.get("DESKAPP_PROBE")
    if not path or event in _seen:
        return _exiting
    _seen.add(event)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"{event} {time.time():.6f}\n")
    if os.environ.get("DESKAPP_PROBE_EXIT") == event:
        _exiting = True
        app.exit()
    return _exiting
