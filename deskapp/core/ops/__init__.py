"""Looking after the desk as a whole: backups (daily, rotated, private) and restore, copying a desk between
engines, and the integrity and search-index check.

The top of the core: may import any package below it (today `records`, `db`, `customers`); nothing in the
core imports it.
"""

from __future__ import annotations

from deskapp.core.ops.backup import (
    backup,
    backups_dir,
    check_backup,
    daily_backup,
    daily_backup_on_open,
    restore,
    sqlite_path,
)
from deskapp.core.ops.maintenance import check_desk
from deskapp.core.ops.settings_admin import (
    SettingChange,
    SettingView,
    change_setting,
    list_settings,
    reset_setting,
    setting_view,
)
from deskapp.core.ops.transfer import copy_desk, desk_tables, table_counts

__all__ = [
    "SettingChange",
    "SettingView",
    "backup",
    "backups_dir",
    "change_setting",
    "check_backup",
    "check_desk",
    "copy_desk",
    "daily_backup",
    "daily_backup_on_open",
    "desk_tables",
    "list_settings",
    "reset_setting",
    "restore",
    "setting_view",
    "sqlite_path",
    "table_counts",
]
