"""The desk's records: the SQLModel tables and their enums, column types, read models (frozen values the
shells render), errors, field validation, the clock and the business settings.

The bottom layer of the core: it imports nothing else from `deskapp.core`.

The clock, the errors (and the quoting of values in messages), the customer-field registry and the read
models load with the package; everything
else loads on first use (PEP 562 `__getattr__` below). The TUI imports `records.clock`, `records.errors`
and `records.readmodels` on its start-up path, which must not pay for SQLModel and SQLAlchemy (~0.9 s)
before the first paint.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from deskapp.core.records import clock
from deskapp.core.records.errors import (
    ConflictError,
    DatabaseError,
    DeskError,
    FieldError,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from deskapp.core.records.fields import (
    BOOKKEEPING_COLUMNS,
    CUSTOMER_FIELDS,
    EDITABLE_FIELDS,
    FIELD_COLUMNS,
    INDEX_COLUMNS,
    PUBLIC_COLUMNS,
    STORED_COLUMNS,
    CustomerField,
)
from deskapp.core.records.quoting import listed, shorten
from deskapp.core.records.readmodels import (
    ComplaintRow,
    CustomerRow,
    DeskSummary,
    FollowUpRow,
    Page,
    PurchaseRow,
    StageCount,
    TimelineEntry,
)

if TYPE_CHECKING:
    from deskapp.core.records.contact_tables import ConsentStatus, CustomerEmail, CustomerPhone
    from deskapp.core.records.countries import country_code, language_code
    from deskapp.core.records.import_tables import ImportBatch, ImportPrior
    from deskapp.core.records.merge_tables import MergeRecord
    from deskapp.core.records.os_locale import CURRENCIES, CURRENCY_OF_COUNTRY, LocaleDefaults, locale_defaults
    from deskapp.core.records.setting_rules import (
        KEYS,
        RULES,
        SettingRule,
        UnknownSetting,
        parse_setting,
        rule_for,
        show_setting,
    )
    from deskapp.core.records.settings import Settings, load_settings, plain_setting, save_setting
    from deskapp.core.records.tables import (
        AUDITED_TABLES,
        OPEN_COMPLAINT_STATUSES,
        PENDING_FOLLOW_UP_STATUSES,
        PENDING_SQL,
        AuditEntry,
        Channel,
        ChurnReason,
        Complaint,
        ComplaintCategory,
        ComplaintStatus,
        Customer,
        Direction,
        FollowUp,
        FollowUpKind,
        FollowUpStatus,
        Interaction,
        OwnerChange,
        Priority,
        Purchase,
        Referral,
        Setting,
        Staff,
        Stage,
        StageChange,
        id_of,
        table_of,
    )
    from deskapp.core.records.types import Money, UTCDateTime, to_money, utcnow
    from deskapp.core.records.validation import (
        clean_date,
        clean_datetime,
        clean_email,
        clean_enum,
        clean_int,
        clean_money,
        clean_phone,
        clean_special_day,
        clean_text,
        clean_time,
        fold,
        normalise_tags,
        parse_date,
        phone_doubt,
        phone_region_for,
        special_day_date,
        strip_controls,
        tag_list,
    )

# Where each name that loads on first use lives (module of this package).
_LAZY: dict[str, str] = {
    **dict.fromkeys(("ConsentStatus", "CustomerEmail", "CustomerPhone"), "contact_tables"),
    **dict.fromkeys(("country_code", "language_code"), "countries"),
    **dict.fromkeys(("ImportBatch", "ImportPrior"), "import_tables"),
    "MergeRecord": "merge_tables",
    **dict.fromkeys(("CURRENCIES", "CURRENCY_OF_COUNTRY", "LocaleDefaults", "locale_defaults"), "os_locale"),
    **dict.fromkeys(
        ("KEYS", "RULES", "SettingRule", "UnknownSetting", "parse_setting", "rule_for", "show_setting"), "setting_rules"
    ),
    **dict.fromkeys(("Settings", "load_settings", "plain_setting", "save_setting"), "settings"),
    **dict.fromkeys(
        (
            "AUDITED_TABLES",
            "OPEN_COMPLAINT_STATUSES",
            "PENDING_FOLLOW_UP_STATUSES",
            "PENDING_SQL",
            "AuditEntry",
            "Channel",
            "ChurnReason",
            "Complaint",
            "ComplaintCategory",
            "ComplaintStatus",
            "Customer",
            "Direction",
            "FollowUp",
            "FollowUpKind",
            "FollowUpStatus",
            "Interaction",
            "OwnerChange",
            "Priority",
            "Purchase",
            "Referral",
            "Setting",
            "Staff",
            "Stage",
            "StageChange",
            "id_of",
            "table_of",
        ),
        "tables",
    ),
    **dict.fromkeys(("Money", "UTCDateTime", "to_money", "utcnow"), "types"),
    **dict.fromkeys(
        (
            "clean_date",
            "clean_datetime",
            "clean_email",
            "clean_enum",
            "clean_int",
            "clean_money",
            "clean_phone",
            "clean_special_day",
            "clean_text",
            "clean_time",
            "fold",
            "normalise_tags",
            "parse_date",
            "phone_doubt",
            "phone_region_for",
            "special_day_date",
            "strip_controls",
            "tag_list",
        ),
        "validation",
    ),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


__all__ = [
    "AUDITED_TABLES",
    "BOOKKEEPING_COLUMNS",
    "CURRENCIES",
    "CURRENCY_OF_COUNTRY",
    "CUSTOMER_FIELDS",
    "EDITABLE_FIELDS",
    "FIELD_COLUMNS",
    "INDEX_COLUMNS",
    "KEYS",
    "OPEN_COMPLAINT_STATUSES",
    "PENDING_FOLLOW_UP_STATUSES",
    "PENDING_SQL",
    "PUBLIC_COLUMNS",
    "RULES",
    "STORED_COLUMNS",
    "AuditEntry",
    "Channel",
    "ChurnReason",
    "Complaint",
    "ComplaintCategory",
    "ComplaintRow",
    "ComplaintStatus",
    "ConflictError",
    "ConsentStatus",
    "Customer",
    "CustomerEmail",
    "CustomerField",
    "CustomerPhone",
    "CustomerRow",
    "DatabaseError",
    "DeskError",
    "DeskSummary",
    "Direction",
    "FieldError",
    "FollowUp",
    "FollowUpKind",
    "FollowUpRow",
    "FollowUpStatus",
    "ImportBatch",
    "ImportPrior",
    "Interaction",
    "InvalidTransition",
    "LocaleDefaults",
    "MergeRecord",
    "Money",
    "NotFound",
    "OwnerChange",
    "Page",
    "Priority",
    "Purchase",
    "PurchaseRow",
    "Referral",
    "Setting",
    "SettingRule",
    "Settings",
    "Staff",
    "Stage",
    "StageChange",
    "StageCount",
    "TimelineEntry",
    "UTCDateTime",
    "UnknownSetting",
    "ValidationFailed",
    "clean_date",
    "clean_datetime",
    "clean_email",
    "clean_enum",
    "clean_int",
    "clean_money",
    "clean_phone",
    "clean_special_day",
    "clean_text",
    "clean_time",
    "clock",
    "country_code",
    "fold",
    "id_of",
    "language_code",
    "listed",
    "load_settings",
    "locale_defaults",
    "normalise_tags",
    "parse_date",
    "parse_setting",
    "phone_doubt",
    "phone_region_for",
    "plain_setting",
    "rule_for",
    "save_setting",
    "shorten",
    "show_setting",
    "special_day_date",
    "strip_controls",
    "table_of",
    "tag_list",
    "to_money",
    "utcnow",
]
