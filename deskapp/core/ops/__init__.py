"""Looking after the desk as a whole: backups (daily, rotated, private) and restore, copying a desk between
engines, and the integrity and search-index check.

The top of the core: may import any package below it (today `records`, `db`, `customers`); nothing in the
core imports it.
"""

from __future__ import annotations

from deskapp.core.ops.backup import backup, backups_dir, daily_backup, daily_backup_on_open, restore, sqlite_path
from deskapp.core.ops.maintenance import check_desk
from deskapp.core.ops.transfer import copy_desk, desk_tables, table_counts

__all__ = [
    "backup",
    "backups_dir",
    "check_desk",
    "copy_desk",
    "daily_backup",
    "daily_backup_on_open",
    "desk_tables",
    "restore",
    "sqlite_path",
    "table_counts",
]
