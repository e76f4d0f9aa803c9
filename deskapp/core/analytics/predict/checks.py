"""Whether a fit can be believed, asked the same way by every screen and command.

A fit on a handful of customers converges to nonsense (r = 52,025 and alpha = 11.8 million on a 4-customer
desk), and an optimiser that stopped early gives numbers that merely look precise. Before any P(alive) or
predicted value is shown, the history must be big enough and the parameters must have settled in a range
real purchase logs produce; otherwise the desk says "not enough history yet" and why, in the TUI and the CLI
alike (they both go through `fit_clv_model`, which raises `ModelUnavailable` with this text).
"""

from __future__ import annotations

from deskapp.core.analytics.predict.log import PurchaseLog

MIN_BUYERS = 50  # customers with a purchase in the calibration period
MIN_REPEAT_BUYERS = 20  # of whom bought again on another day
# Published fits of real logs (CDNOW, retail, donations) have every parameter between about 0.05 and 20;
# a parameter outside 1e-3..1e3 means the likelihood was flat in that direction: the data can't tell.
PARAM_RANGE = (1e-3, 1e3)


def history_problem(log: PurchaseLog, min_buyers: int = MIN_BUYERS) -> str | None:
    """Why the purchase log is too small to fit, or None."""
    buyers = len(log)
    repeat = int((log.frequency > 0).sum()) if buyers else 0
    if buyers < min_buyers or repeat < MIN_REPEAT_BUYERS:
        return (
            f"not enough history yet: {buyers} buyers, {repeat} who bought again "
            f"(predictions need {min_buyers} buyers and {MIN_REPEAT_BUYERS} repeat buyers)"
        )
    return None


def params_problem(name: str, params: dict[str, float], converged: bool = True) -> str | None:
    """Why fitted parameters can't be believed (not converged, or outside the range real logs give), or None."""
    if not converged:
        return f"not enough history yet: the {name} fit did not converge"
    low, high = PARAM_RANGE
    odd = [f"{key} = {value:,.4g}" for key, value in params.items() if not low <= value <= high]
    if odd:
        return f"not enough history yet: the {name} fit gave implausible parameters ({', '.join(odd)})"
    return None
