"""Session features from an event sequence, against values computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

from salon.floor.state import VisitState
from salon.insight.features import PageStat, PageStats, session_features, special_day

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC).timestamp()  # a Saturday in November


def page(state: VisitState, at: float, path: str, page_type: str) -> None:
    state.apply(
        "page_view",
        at,
        {"url": f"https://shop.example{path}?email=x@y.z", "title": path, "page_type": page_type},
    )


def test_features_match_a_hand_computed_visit() -> None:
    state = VisitState(
        site_id="s",
        visit_id="v",
        visitor_id="a" * 32,
        started_at=T0,
        last_seen_at=T0,
        is_returning=True,
    )
    page(state, T0, "/shop", "home")  # informational, 30 s
    page(state, T0 + 30, "/shop/c/bags", "category")  # product related, 20 s
    page(state, T0 + 50, "/shop/p/P1", "product")  # product related, 70 s
    page(state, T0 + 120, "/shop/account", "account")  # administrative, 10 s
    page(state, T0 + 130, "/shop/p/P1", "product")  # product related, still open: 15 s so far
    stats = PageStats(
        {
            "s": {
                "/shop": PageStat(bounce_rate=0.5, exit_rate=0.2, page_value=0.0),
                "/shop/p/P1": PageStat(bounce_rate=0.1, exit_rate=0.4, page_value=300.0),
            }
        }
    )
    features = session_features(state, stats, now=T0 + 145)
    assert features["Informational"] == 1 and features["Informational_Duration"] == 30
    assert features["ProductRelated"] == 3 and features["ProductRelated_Duration"] == 105
    assert features["Administrative"] == 1 and features["Administrative_Duration"] == 10
    # means over the viewed pages Salon has history for: /shop, /shop/p/P1 (twice)
    assert features["BounceRates"] == (0.5 + 0.1 + 0.1) / 3
    assert features["ExitRates"] == (0.2 + 0.4 + 0.4) / 3
    assert features["PageValues"] == 200.0
    assert (
        features["Month"] == 11 and features["Weekend"] == 1 and features["ReturningVisitor"] == 1
    )
    assert state.paths[0] == "/shop"  # the query string (with an e-mail) is never kept


def test_special_day_closeness() -> None:
    assert special_day(date(2026, 2, 13)) == 1.0
    assert special_day(date(2026, 2, 8)) == 0.5
    assert special_day(date(2026, 2, 14)) == 0.0
    assert special_day(date(2026, 7, 1)) == 0.0
    assert special_day(date(2026, 12, 20)) == 0.6
