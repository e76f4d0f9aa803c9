"""What happens with a customer: interactions, complaints, follow-ups, purchases and referrals, and the
desk's queries over them (what is due, what is open, the Today figures, one customer's profile card).

May import `deskapp.core.records`, `deskapp.core.db` and `deskapp.core.customers`; nothing above them.
"""

from __future__ import annotations

from deskapp.core.activity import complaints, desk, follow_ups, interactions, purchases, reminders, service
from deskapp.core.activity.cases import open_complaint
from deskapp.core.activity.complaints import (
    COMPLAINT_EDITABLE,
    close_complaint,
    get_complaint,
    resolve_complaint,
    respond_to_complaint,
    update_complaint,
)
from deskapp.core.activity.desk import (
    CustomerProfile,
    StageStep,
    customer_profile,
    due_now,
    is_due_now,
)
from deskapp.core.activity.feedback_loop import feedback_follow_up
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
from deskapp.core.activity.reminders import (
    PRIORITY_ORDER,
    complaint_row,
    desk_summary,
    due_follow_ups,
    open_complaints,
)
from deskapp.core.activity.today_board import TodayBoard, active_names, today_board

__all__ = [
    "COMPLAINT_EDITABLE",
    "PRIORITY_ORDER",
    "ContactWarning",
    "CustomerProfile",
    "StageStep",
    "TodayBoard",
    "active_names",
    "cancel_follow_up",
    "close_complaint",
    "complaint_row",
    "complaints",
    "complete_follow_up",
    "customer_profile",
    "desk",
    "desk_summary",
    "due_follow_ups",
    "due_now",
    "feedback_follow_up",
    "follow_ups",
    "get_complaint",
    "get_follow_up",
    "interactions",
    "is_due_now",
    "log_interaction",
    "open_complaint",
    "open_complaints",
    "over_contact_warning",
    "purchases",
    "record_purchase",
    "record_referral",
    "reminders",
    "reschedule_follow_up",
    "resolve_complaint",
    "respond_to_complaint",
    "schedule_follow_up",
    "service",
    "snooze_follow_up",
    "today_board",
    "update_complaint",
]
