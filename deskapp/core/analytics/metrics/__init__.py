"""The business's figures, each a plain function over a session returning frozen dataclasses.

Split by theme so each module stays small: `orders` (AOV, frequency, margin, simple and historical CLV),
`retention` (who is a customer when: retention, churn, churn reasons, purchase interval), `lapsed` (buyers
silent past several of their own purchase cycles), `feedback` (NPS),
`health` (a score per customer with its parts), `funnel` (stages, conversion, time in stage, owner
changes) and `segments` (churn, retention and value by source, tag or owner). The TUI and the CLI render
the dataclasses; none of them holds a live ORM object.
"""

from __future__ import annotations

from deskapp.core.analytics.metrics.common import Period, months_in, period_between
from deskapp.core.analytics.metrics.feedback import NpsFigures, net_promoter_score, nps_by_month
from deskapp.core.analytics.metrics.funnel import Funnel, FunnelStep, OwnerChangeCount, funnel, owner_changes
from deskapp.core.analytics.metrics.health import HealthPart, HealthScore, attention_list, customer_health
from deskapp.core.analytics.metrics.lapsed import LapsedCustomer, customer_lapse, lapsed_customers
from deskapp.core.analytics.metrics.orders import (
    CustomerValue,
    OrderFigures,
    SimpleClv,
    customer_value,
    historical_clv,
    order_figures,
    simple_clv,
)
from deskapp.core.analytics.metrics.retention import (
    ChurnFigures,
    PurchaseInterval,
    ReasonCount,
    RetentionFigures,
    Rhythm,
    churn_rate,
    churn_reasons,
    lifecycle_facts,
    purchase_interval,
    purchase_rhythms,
    retention_by_month,
    retention_rate,
)
from deskapp.core.analytics.metrics.segments import SegmentFigures, segments

__all__ = [
    "ChurnFigures",
    "CustomerValue",
    "Funnel",
    "FunnelStep",
    "HealthPart",
    "HealthScore",
    "LapsedCustomer",
    "NpsFigures",
    "OrderFigures",
    "OwnerChangeCount",
    "Period",
    "PurchaseInterval",
    "ReasonCount",
    "RetentionFigures",
    "Rhythm",
    "SegmentFigures",
    "SimpleClv",
    "attention_list",
    "churn_rate",
    "churn_reasons",
    "customer_health",
    "customer_lapse",
    "customer_value",
    "funnel",
    "historical_clv",
    "lapsed_customers",
    "lifecycle_facts",
    "months_in",
    "net_promoter_score",
    "nps_by_month",
    "order_figures",
    "owner_changes",
    "period_between",
    "purchase_interval",
    "purchase_rhythms",
    "retention_by_month",
    "retention_rate",
    "segments",
    "simple_clv",
]
