"""Scoring live visits: purchase intent (trained model), abandonment risk, mood, in words.

The floor calls `score()` for the visits that changed, in a batch, off the event loop; it never
sits on the ingest path. Every score carries its top reasons in plain words.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from salon.floor.state import VisitState
from salon.insight.abandonment import AbandonmentModel, cart_features
from salon.insight.features import PageStats, session_features
from salon.insight.mood import Behaviour, ShiftDetector, mood

log = logging.getLogger(__name__)

RISK_THRESHOLD = 0.6  # the abandonment *moment*: a cart's risk crosses this


class IntentEstimator(Protocol):
    def explain_many(
        self, rows: Sequence[dict[str, float]], top: int = 3
    ) -> list[tuple[float, list[tuple[str, float]]]]: ...

    def score(self, rows: Sequence[dict[str, float]]) -> list[float]: ...


@dataclass(frozen=True)
class Insight:
    intent: float | None
    intent_reasons: list[str]
    abandonment_risk: float | None
    risk_reasons: list[str]
    mood: str
    mood_reasons: list[str]
    valence: float
    mood_turned_negative: bool = False
    abandonment_moment: bool = False


@dataclass
class InsightScorer:
    model: IntentEstimator | None
    page_stats: PageStats = field(default_factory=PageStats)
    abandonment: AbandonmentModel | None = None  # learned on the store's carts, when trained
    shifts: ShiftDetector = field(default_factory=ShiftDetector)
    _at_risk: set[str] = field(default_factory=set)

    def forget(self, visit_id: str) -> None:
        """The visit left the floor: keep memory bounded."""
        self.shifts.forget(visit_id)
        self._at_risk.discard(visit_id)

    def rows(self, states: list[VisitState], now: float) -> list[dict[str, float]]:
        """On the event loop: the features (cheap; the states keep changing there)."""
        return [session_features(s, self.page_stats, now) for s in states]

    def predict(
        self, rows: list[dict[str, float]], explain: list[bool] | None = None
    ) -> list[Prediction]:
        """Safe in a worker thread: only the model runs here."""
        return predict_with(self.model, rows, explain)

    def assemble(
        self,
        states: list[VisitState],
        rows: list[dict[str, float]],
        scored: list[Prediction],
        now: float,
    ) -> dict[str, Insight]:
        """On the event loop again: mood, risk and the moments, with reasons in words."""
        found: dict[str, Insight] = {}
        for state, row, (intent, top) in zip(states, rows, scored, strict=True):
            if top is None:  # not re-explained this round: the last reasons still stand
                reasons = list(state.insight.intent_reasons) if state.insight is not None else []
            else:
                reasons = [describe(name, row, w) for name, w in top if abs(w) >= 0.01]
            felt = mood(behaviour_of(state, now), state.texts, now)
            risk: float | None
            if self.abandonment is not None and state.cart and not state.purchased:
                risk, risk_reasons = self.abandonment.risk(
                    cart_features(state, intent if intent is not None else 0.5)
                )
            else:
                risk, risk_reasons = abandonment_risk(state, intent, felt.state, now)
            moment = False
            if risk is not None and risk >= RISK_THRESHOLD:
                moment = state.visit_id not in self._at_risk
                self._at_risk.add(state.visit_id)
            else:
                self._at_risk.discard(state.visit_id)
            turned = self.shifts.observe(state.visit_id, now, felt.valence)
            found[state.visit_id] = Insight(
                intent=round(intent, 2) if intent is not None else None,
                intent_reasons=reasons,
                abandonment_risk=risk,
                risk_reasons=risk_reasons,
                mood=felt.state,
                mood_reasons=list(felt.reasons),
                valence=felt.valence,
                mood_turned_negative=turned,
                abandonment_moment=moment,
            )
        return found

    def score(self, states: list[VisitState], now: float) -> dict[str, Insight]:
        """All three steps at once (tests, tools)."""
        rows = self.rows(states, now)
        return self.assemble(states, rows, self.predict(rows), now)


Prediction = tuple[float | None, list[tuple[str, float]] | None]


def predict_with(
    model: IntentEstimator | None, rows: list[dict[str, float]], explain: list[bool] | None
) -> list[Prediction]:
    """Scores, with reasons for the rows marked `explain` (None: keep the last reasons).

    Explaining costs a prediction per feature, so most rounds only score.
    """
    if model is None or not rows:
        return [(None, [])] * len(rows)
    wanted = explain if explain is not None else [True] * len(rows)
    try:
        explained = iter(
            model.explain_many([r for r, e in zip(rows, wanted, strict=True) if e], top=3)
        )
        plain = iter(model.score([r for r, e in zip(rows, wanted, strict=True) if not e]))
        found: list[Prediction] = []
        for e in wanted:
            if e:
                p, top = next(explained)
                found.append((p, top))
            else:
                found.append((next(plain), None))
        return found
    except Exception:  # a broken artifact must not take the floor down
        log.exception("intent scoring failed")
        return [(None, [])] * len(rows)


def behaviour_of(state: VisitState, now: float) -> Behaviour:
    speeds = list(state.pointer_speeds)
    return Behaviour(
        pointer_speed_avg=sum(speeds) / len(speeds) if speeds else 0.0,
        rage_clicks_recent=sum(1 for at in state.rage_clicks if at >= now - 120),
        cart_flips=state.cart_flips,
        variant_toggles=state.variant_toggles,
        toggled_products=len(state.toggled_products),
        idle=state.hidden or state.idle_since is not None,
        dwell_seconds=max(0.0, now - state.page_since) if state.page_since else 0.0,
        checkout_step=state.checkout_step,
        purchased=state.purchased,
        cart_items=state.cart_items,
        wishlist=state.wishlist,
    )


def abandonment_risk(
    state: VisitState, intent: float | None, felt: str, now: float
) -> tuple[float | None, list[str]]:
    """For carts only: the intent model's view, moved by what the cart and the shopper do.

    A starting rule (documented in docs/insight.md) until a store has enough finished carts of
    its own to fit the weights (`salon insight train`).
    """
    if not state.cart or state.purchased:
        return None, []
    reasons: list[tuple[float, str]] = []
    # intent alone never raises the hourglass (0.25-0.55): a stall, idling, flips or frustration
    # must add to it; a new store without page history scores everyone's intent low
    risk = 0.25 + 0.3 * (1.0 - intent if intent is not None else 0.5)
    if intent is not None and intent < 0.3:
        reasons.append((0.3 * (1.0 - intent), f"low purchase intent ({intent:.0%})"))
    quiet = now - max(state.last_activity_at, state.checkout_step_at)
    if state.checkout_step is not None and quiet >= 90:
        risk += 0.25
        reasons.append((0.25, f"stalled {int(quiet)} s at checkout step {state.checkout_step}"))
    if state.hidden or state.idle_since is not None:
        risk += 0.15
        reasons.append((0.15, "left the tab or went idle"))
    if state.cart_flips:
        bump = min(0.2, 0.1 * state.cart_flips)
        risk += bump
        reasons.append((bump, f"added and removed items {state.cart_flips} times"))
    if felt == "frustrated":
        risk += 0.1
        reasons.append((0.1, "seems frustrated"))
    if (state.checkout_step or 0) >= 3:
        risk -= 0.2
        reasons.append((-0.2, f"already at checkout step {state.checkout_step}"))
    reasons.sort(key=lambda r: -abs(r[0]))
    return round(min(0.98, max(0.02, risk)), 2), [text for _, text in reasons[:3]]


def describe(name: str, row: dict[str, float], weight: float) -> str:
    """A feature's push on the intent score, in words an associate understands."""
    value = row.get(name, 0.0)
    up = weight >= 0
    if name == "PageValues":
        return (
            f"viewed pages that often lead to a sale (page value {value:,.0f})"
            if up
            else "viewed pages that rarely lead to a sale"
        )
    if name == "ProductRelated":
        return f"{int(value)} product pages viewed"
    if name == "ProductRelated_Duration":
        return f"{value / 60:.0f} min on products" if value >= 60 else f"{value:.0f} s on products"
    if name == "ExitRates":
        return "on pages shoppers often leave from" if not up else "on pages shoppers stay on"
    if name == "BounceRates":
        return "came in on a page many leave at once" if not up else "came in on an engaging page"
    if name in ("Administrative", "Administrative_Duration"):
        return "using account and cart pages"
    if name in ("Informational", "Informational_Duration"):
        return "reading information pages"
    if name == "ReturningVisitor":
        return "a returning visitor" if value else "a first visit"
    if name == "SpecialDay":
        return "close to a gift-giving day"
    if name == "Month":
        return "the season's buying pattern"
    if name == "Weekend":
        return "weekend shopping" if value else "weekday shopping"
    if name == "CustomerOrders":
        return f"{int(value)} past orders" if value else "has never ordered"
    if name == "LifetimeValueLog":
        return (
            f"has spent {math.expm1(value):,.0f} with us" if value else "has not spent with us yet"
        )
    if name == "DaysSinceLastOrder":
        return (
            "has not bought for a long time" if value >= 365 else f"last order {value:.0f} days ago"
        )
    return name.replace("_", " ").lower()
