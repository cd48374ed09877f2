"""Did the playbook change anything? Treated against hold-out, with an honest interval.

Both groups are shoppers the trigger picked; only the treated got the actions. The difference in
conversion comes with Newcombe's hybrid score interval (method 10 of Newcombe, 1998), built from
the two Wilson intervals: it behaves at small counts and at rates near 0 or 1, where the plain
Wald interval claims more than the data holds.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Group:
    shoppers: int
    conversions: int
    revenue: float

    @property
    def rate(self) -> float | None:
        return self.conversions / self.shoppers if self.shoppers else None

    @property
    def revenue_per_shopper(self) -> float | None:
        return self.revenue / self.shoppers if self.shoppers else None


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def difference_interval(treated: Group, holdout: Group) -> tuple[float, float] | None:
    """95% interval for rate(treated) - rate(holdout); None while a group is empty."""
    if not treated.shoppers or not holdout.shoppers:
        return None
    p1, p2 = treated.conversions / treated.shoppers, holdout.conversions / holdout.shoppers
    l1, u1 = wilson(treated.conversions, treated.shoppers)
    l2, u2 = wilson(holdout.conversions, holdout.shoppers)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


def lift_report(treated: Group, holdout: Group, coupon_cost: float) -> dict[str, Any]:
    """What the console's lift table shows."""
    interval = difference_interval(treated, holdout)
    diff = (
        treated.rate - holdout.rate
        if treated.rate is not None and holdout.rate is not None
        else None
    )
    incremental_revenue = (
        (treated.revenue / treated.shoppers - holdout.revenue / holdout.shoppers) * treated.shoppers
        if treated.shoppers and holdout.shoppers
        else None
    )
    if interval is None:
        verdict = "not enough data: both groups need shoppers"
    elif interval[0] > 0:
        verdict = "lifts conversion (the interval is above zero)"
    elif interval[1] < 0:
        verdict = "lowers conversion (the interval is below zero)"
    else:
        verdict = "no difference shown yet (the interval includes zero)"
    return {
        "treated": {**asdict(treated), "rate": treated.rate},
        "holdout": {**asdict(holdout), "rate": holdout.rate},
        "difference": diff,
        "interval": list(interval) if interval else None,
        "confidence": 0.95,
        "coupon_cost": round(coupon_cost, 2),
        "incremental_revenue": round(incremental_revenue, 2)
        if incremental_revenue is not None
        else None,
        "net": round(incremental_revenue - coupon_cost, 2)
        if incremental_revenue is not None
        else None,
        "verdict": verdict,
    }
