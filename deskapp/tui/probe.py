"""Start-up probes for `benchmarks/tui_startup.py`: record when the first screen painted and when the Today
screen showed its data, and optionally exit there. Inert unless DESKAPP_PROBE names a file."""

from __future__ import annotations

import os
import time
from typing import Any

_seen: set[str] = set()


def mark(app: Any, event: str) -> None:
    """Append "<event> <unix time>" to $DESKAPP_PROBE once per event; exit if DESKAPP_PROBE_EXIT == event."""
    path = os.environ.get("DESKAPP_PROBE")
    if not path or event in _seen:
        return
    _seen.add(event)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"{event} {time.time():.6f}\n")
    if os.environ.get("DESKAPP_PROBE_EXIT") == event:
        app.exit()
