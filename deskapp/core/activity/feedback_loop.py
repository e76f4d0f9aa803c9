"""Feedback and referrals close the loop: advocates are made, not found.

- a detractor (0-6) gets a personal follow-up the next day, before they leave; a score under the setting
  `detractor_complaint_below`, logged at the desk, also opens a complaint, so it is tracked as a case with
  deadlines (an imported answer gets the follow-up, and the import summary counts it);
- a promoter (9-10) gets a follow-up to thank them and ask for a referral or a review (the advocacy stage
  move itself is the lifecycle rule's);
- whoever refers a customer gets a thank-you follow-up.
Old history (an import of last year's answers) changes stages but creates no reminders, as everywhere.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from deskapp.core.activity.cases import open_complaint
from deskapp.core.customers import add_follow_up, creates_follow_ups
from deskapp.core.records import Customer, FollowUpKind, Interaction, Priority, Settings, clock

DETRACTOR_MAX = 6
PROMOTER_MIN = 9


def feedback_follow_up(score: int, summary: str, settings: Settings) -> tuple[int, FollowUpKind, str] | None:
    """(days after the answer, kind, note) of the follow-up a score asks for, or None (7-8 ask nothing).
    The one rule: the desk's services and the importer's set-wise path both read it."""
    said = f' ("{summary}")' if summary else ""
    if score <= DETRACTOR_MAX:
        note = f"Scored {score}/10{said}: call personally before they leave; ask what went wrong and put it right."
        return 1, FollowUpKind.CHECK_IN, note
    if score >= PROMOTER_MIN:
        note = f"Scored {score}/10{said}: thank them, and ask for a referral or a review."
        return settings.thank_you_after_days, FollowUpKind.REFERRAL_ASK, note
    return None


def after_feedback(session: Session, customer: Customer, interaction: Interaction, settings: Settings) -> None:
    score = interaction.score
    if score is None or customer.id is None or not creates_follow_ups(interaction.occurred_at, settings):
        return
    day = clock.local_date(interaction.occurred_at)
    if score < settings.detractor_complaint_below:
        said = f' ("{interaction.summary}")' if interaction.summary else ""
        open_complaint(
            session,
            customer.id,
            subject=f"Feedback score {score}/10",
            details=f"Opened by the desk from a feedback score of {score}/10{said}.",
            priority=Priority.HIGH,
            opened_at=interaction.occurred_at,
            settings=settings,
        )
    plan = feedback_follow_up(score, interaction.summary, settings)
    if plan is not None:
        offset, kind, note = plan
        add_follow_up(session, customer.id, day + timedelta(days=offset), kind, note, assignee=customer.owner)
    session.flush()


def after_referral(session: Session, referrer: Customer, referred: Customer, settings: Settings, at: Any) -> None:
    """A thank-you to whoever brought us a customer."""
    if referrer.id is None or not creates_follow_ups(at, settings):
        return
    add_follow_up(
        session,
        referrer.id,
        clock.local_date(at) + timedelta(days=settings.thank_you_after_days),
        FollowUpKind.THANK_YOU,
        f"Thank them for referring {referred.name}.",
        assignee=referrer.owner,
    )
    session.flush()
