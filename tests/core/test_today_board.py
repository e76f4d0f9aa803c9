"""Today's board: one read of what the home page shows."""

from __future__ import annotations

from datetime import date, datetime

from deskapp.core.activity import service as activity
from deskapp.core.activity.today_board import active_names, today_board
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import DeskSession
from tests.conftest import ident


def test_overdue_and_due_today_apart_with_complaints_and_figures(session: DeskSession, frozen_now: datetime) -> None:
    ann = ident(customers.create_customer(session, name="Ann"))
    bo = ident(customers.create_customer(session, name="Bo"))
    activity.schedule_follow_up(session, ann, due=date(2026, 11, 20), note="late")
    activity.schedule_follow_up(session, bo, due=date(2026, 11, 23), note="today")
    activity.schedule_follow_up(session, bo, due=date(2026, 11, 30), note="next week")
    activity.open_complaint(session, ann, subject="Squeaky brakes")
    board = today_board(session, today=date(2026, 11, 23), now=frozen_now)
    assert [r.note for r in board.overdue] == ["late"]
    assert [r.note for r in board.due_today] == ["today"]
    assert [c.subject for c in board.complaints] == ["Squeaky brakes"]
    assert (board.summary.overdue, board.summary.due_today, board.summary.open_complaints) == (1, 1, 1)
    assert not board.more_follow_ups and not board.more_complaints and board.at_risk == ()


def test_limits_say_there_is_more(session: DeskSession, frozen_now: datetime) -> None:
    ann = ident(customers.create_customer(session, name="Ann"))
    for day in (18, 19, 20):
        activity.schedule_follow_up(session, ann, due=date(2026, 11, day))
    board = today_board(session, today=date(2026, 11, 23), now=frozen_now, follow_up_limit=2)
    assert len(board.overdue) == 2 and board.more_follow_ups


def test_at_risk_names_leave_out_the_archived_and_come_in_name_order(session: DeskSession) -> None:
    zoe = ident(customers.create_customer(session, name="Zoé"))
    adam = ident(customers.create_customer(session, name="Adam"))
    gone = ident(customers.create_customer(session, name="Gone"))
    customers.archive_customer(session, gone)
    assert active_names(session, [zoe, gone, adam]) == ("Adam", "Zoé")
    assert active_names(session, []) == ()
