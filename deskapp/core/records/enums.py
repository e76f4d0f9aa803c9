"""The closed sets of values (stages, channels, priorities, ...) as the shells may import them.

The TUI and the CLI are kept away from the table module by an import-linter contract, yet their forms offer
these choices; this module is where they get them. The enums are still defined beside the tables (their
columns use them); they can move here when the tables import them from here.
"""

from __future__ import annotations

from deskapp.core.records.tables import (
    OPEN_COMPLAINT_STATUSES,
    Channel,
    ChurnReason,
    ComplaintCategory,
    ComplaintStatus,
    Direction,
    FollowUpKind,
    FollowUpStatus,
    Priority,
    Stage,
)

__all__ = [
    "OPEN_COMPLAINT_STATUSES",
    "Channel",
    "ChurnReason",
    "ComplaintCategory",
    "ComplaintStatus",
    "Direction",
    "FollowUpKind",
    "FollowUpStatus",
    "Priority",
    "Stage",
]
