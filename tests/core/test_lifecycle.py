from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deskapp.core.customers import lifecycle
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import DeskSession
from deskapp.core.records.errors import ValidationFailed
from deskapp.core.records.tables import ChurnReason, Stage, id_of


def test_churned_needs_a_reason_category(session: DeskSession) -> None:
    c = customers.create_customer(session, name="A")
    with pytest.raises(ValidationFailed, match="churn_reason"):
        lifecycle.change_stage(session, id_of(c), "churned", reason="went quiet")
    change = lifecycle.change_stage(session, id_of(c), "churned", reason="went quiet", churn_reason="not cared for")
    assert change is not None and change.churn_reason == ChurnReason.NOT_CARED_FOR and not change.automatic


def test_every_change_needs_a_reason_and_same_stage_is_a_no_op(session: DeskSession) -> None:
    c = customers.create_customer(session, name="A")
    with pytest.raises(ValidationFailed, match="reason"):
        lifecycle.change_stage(session, id_of(c), "consideration", reason=" ")
    assert lifecycle.change_stage(session, id_of(c), "awareness", reason="again") is None


@given(st.lists(st.sampled_from(list(Stage)), min_size=1, max_size=12))
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_stage_history_replays_to_the_current_stage(
    session: DeskSession, frozen_now: datetime, moves: list[Stage]
) -> None:
    """Property: any sequence of moves (in any direction) leaves a history that chains from each stage to
    the next, in time order, and ends at the customer's stage."""
    c = customers.create_customer(session, name="Drifter")
    for i, stage in enumerate(moves):
        lifecycle.change_stage(
            session, id_of(c), stage, reason=f"move {i}", churn_reason="other", at=frozen_now + timedelta(minutes=i + 1)
        )
    history = lifecycle.stage_history(session, id_of(c))
    assert history[0].from_stage is None
    for before, after in zip(history, history[1:], strict=False):
        assert after.from_stage == before.to_stage
        assert after.at >= before.at
    assert history[-1].to_stage == customers.get_customer(session, id_of(c)).stage
    expected = [Stage.AWARENESS]
    for stage in moves:
        if stage != expected[-1]:
            expected.append(stage)
    assert [h.to_stage for h in history] == expected
