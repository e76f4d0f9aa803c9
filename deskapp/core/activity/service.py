"""The activity services under their older module name: kept so callers that import
`deskapp.core.activity.service` keep working until they import the package face instead."""

from __future__ import annotations

from deskapp.core.activity.cases import open_complaint
from deskapp.core.activity.complaints import (
    COMPLAINT_EDITABLE,
    close_complaint,
    get_complaint,
    resolve_complaint,
    respond_to_complaint,
    update_complaint,
)
from deskapp.core.activity.follow_ups import (
    cancel_follow_up,
    complete_follow_up,
    get_follow_up,
    reschedule_follow_up,
    schedule_follow_up,
    snooze_follow_up,
)
from deskapp.core.activity.interactions import (
    ContactWarning,
    log_interaction,
    over_contact_warning,
)
from deskapp.core.activity.purchases import (
    record_purchase,
    record_referral,
)

__all__ = [
    "COMPLAINT_EDITABLE",
    "ContactWarning",
    "cancel_follow_up",
    "close_complaint",
    "complete_follow_up",
    "get_complaint",
    "get_follow_up",
    "log_interaction",
    "open_complaint",
    "over_contact_warning",
    "record_purchase",
    "record_referral",
    "reschedule_follow_up",
    "resolve_complaint",
    "respond_to_complaint",
    "schedule_follow_up",
    "snooze_follow_up",
    "update_complaint",
]
