"""The Reports board and the CLV model both the Reports and the Customer pages use."""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any

import pytest

from deskapp.core.activity import service as activity
from deskapp.core.analytics.metrics import period_between
from deskapp.core.analytics.predict import ModelUnavailable
from deskapp.core.analytics.reports_board import customer_names, desk_clv_model, reports_board
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import DeskSession
from tests.conftest import ident

# The module itself: the analytics face exports a function of the same name.
board_module = importlib.import_module("deskapp.core.analytics.reports_board")


def test_the_model_is_fitted_once_between_purchases(
    session: DeskSession, frozen_now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    fits: list[Any] = []

    def fit(*args: Any, **kwargs: Any) -> Any:
        fits.append(args)
        raise ModelUnavailable("too few customers")

    monkeypatch.setattr(board_module, "fit_clv_model", fit)
    ann = ident(customers.create_customer(session, name="Ann"))
    activity.record_purchase(session, ann, amount="10")
    session.flush()
    period = period_between()
    assert desk_clv_model(session, period, 0.3) == "too few customers"
    assert desk_clv_model(session, period) == "too few customers"
    assert len(fits) == 1
    activity.record_purchase(session, ann, amount="12")
    session.flush()
    desk_clv_model(session, period, 0.3)
    assert len(fits) == 2


def test_board_of_a_small_desk_explains_the_missing_model(session: DeskSession, frozen_now: datetime) -> None:
    ann = ident(customers.create_customer(session, name="Ann", stage="retention"))
    activity.record_purchase(session, ann, amount="10")
    session.flush()
    board = reports_board(session)
    assert board.clv == () and board.clv_problem
    assert board.period == period_between()
    assert sum(step.customers for step in board.funnel.steps) == 1


def test_customer_names_include_the_archived(session: DeskSession) -> None:
    ann = ident(customers.create_customer(session, name="Ann"))
    bo = ident(customers.create_customer(session, name="Bo"))
    customers.archive_customer(session, bo)
    assert customer_names(session, [ann, bo]) == {ann: "Ann", bo: "Bo"}
    assert customer_names(session, []) == {}
