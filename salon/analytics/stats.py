"""The statistics behind the manager's analytics, as pure functions (no database).

Chat and conversion: shoppers who chat were already more likely to buy (they ask about the thing
they want), so the naive difference "visits with a chat convert at 13%, without at 9%" mixes the
chat's effect with that selection. The adjusted estimate compares like with like: visits are
subclassified on the purchase-intent score at the moment the chat started (non-chat visits: at a
comparable moment), the difference in conversion is taken inside each stratum and averaged with
the chatted visits' weights (the effect on the visits that chatted, ATT). docs/analytics.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from salon.playbooks.lift import Z95, Group, difference_interval, wilson


@dataclass(frozen=True)
class Unit:
    """One visit: did it chat, did it buy, and its intent score at the comparable moment."""

    chatted: bool
    converted: bool
    score: float | None


def _rate(x: int, n: int) -> float | None:
    return x / n if n else None


def naive_lift(units: Sequence[Unit]) -> dict[str, Any]:
    """Rates with Wilson intervals and their difference with Newcombe's (salon.playbooks.lift)."""
    chat = Group(sum(u.chatted for u in units), sum(u.chatted and u.converted for u in units), 0.0)
    rest = Group(
        sum(not u.chatted for u in units),
        sum((not u.chatted) and u.converted for u in units),
        0.0,
    )
    interval = difference_interval(chat, rest)
    return {
        "chat": _group_view(chat),
        "no_chat": _group_view(rest),
        "difference": chat.rate - rest.rate
        if chat.rate is not None and rest.rate is not None
        else None,
        "interval": list(interval) if interval else None,
    }


def _group_view(group: Group) -> dict[str, Any]:
    low, high = wilson(group.conversions, group.shoppers)
    return {
        "visits": group.shoppers,
        "conversions": group.conversions,
        "rate": group.rate,
        "interval": [low, high] if group.shoppers else None,
    }


def strata_count(chatted_with_score: int) -> int:
    """Deciles when there are enough chats to fill them, quintiles for fewer, then less."""
    if chatted_with_score >= 200:
        return 10
    if chatted_with_score >= 25:
        return 5
    return max(1, min(3, chatted_with_score // 5))


def quantile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default); values non-empty."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def adjusted_lift(units: Sequence[Unit], strata: int | None = None) -> dict[str, Any]:
    """The chat's effect on the visits that chatted, stratified on the intent score.

    Strata are the quantiles of the chatted visits' scores. A stratum with chatted visits but no
    comparable non-chat visit cannot be compared: its chats are left out and counted. The 95%
    interval uses the stratified variance with the Agresti-Caffo adjustment inside each stratum
    (one success and one failure added per group), which stays honest at small counts and at
    rates of 0 or 1, where the plain variance would claim certainty.
    """
    scored = [u for u in units if u.score is not None]
    excluded = len(units) - len(scored)
    chatted = [u.score for u in scored if u.chatted and u.score is not None]
    if not chatted or len(scored) == len(chatted):
        return {
            "difference": None,
            "interval": None,
            "strata": [],
            "excluded_no_score": excluded,
            "unmatched_chats": len(chatted),
            "chat_rate": None,
            "counterfactual_rate": None,
        }
    k = strata or strata_count(len(chatted))
    edges = sorted({quantile(chatted, i / k) for i in range(1, k)})
    cells: list[list[int]] = [[0, 0, 0, 0] for _ in range(len(edges) + 1)]  # n1, x1, n0, x0
    for unit in scored:
        assert unit.score is not None
        cell = cells[_bin(edges, unit.score)]
        offset = 0 if unit.chatted else 2
        cell[offset] += 1
        cell[offset + 1] += int(unit.converted)
    kept = [c for c in cells if c[0] and c[2]]
    unmatched = sum(c[0] for c in cells if c[0] and not c[2])
    weight_total = sum(c[0] for c in kept)
    if not weight_total:
        return {
            "difference": None,
            "interval": None,
            "strata": [],
            "excluded_no_score": excluded,
            "unmatched_chats": unmatched,
            "chat_rate": None,
            "counterfactual_rate": None,
        }
    difference = variance = chat_rate = counterfactual = 0.0
    for n1, x1, n0, x0 in kept:
        w = n1 / weight_total
        difference += w * (x1 / n1 - x0 / n0)
        chat_rate += w * x1 / n1
        counterfactual += w * x0 / n0
        variance += w * w * (_ac_variance(x1, n1) + _ac_variance(x0, n0))
    half = Z95 * math.sqrt(variance)
    bounds = [-math.inf, *edges, math.inf]
    return {
        "difference": difference,
        "interval": [difference - half, difference + half],
        "strata": [
            {
                "score_from": None if math.isinf(bounds[i]) else round(bounds[i], 4),
                "score_to": None if math.isinf(bounds[i + 1]) else round(bounds[i + 1], 4),
                "chat_visits": c[0],
                "chat_conversions": c[1],
                "no_chat_visits": c[2],
                "no_chat_conversions": c[3],
                "chat_rate": _rate(c[1], c[0]),
                "no_chat_rate": _rate(c[3], c[2]),
            }
            for i, c in enumerate(cells)
        ],
        "excluded_no_score": excluded,
        "unmatched_chats": unmatched,
        "chat_rate": chat_rate,
        "counterfactual_rate": counterfactual,
    }


def _bin(edges: Sequence[float], score: float) -> int:
    for i, edge in enumerate(edges):
        if score <= edge:
            return i
    return len(edges)


def _ac_variance(x: int, n: int) -> float:
    p = (x + 1) / (n + 2)
    return p * (1 - p) / (n + 2)


def conversion_summary(units: Sequence[Unit], strata: int | None = None) -> dict[str, Any]:
    """Naive and adjusted side by side, with the sentence a manager reads."""
    naive = naive_lift(units)
    adjusted = adjusted_lift(units, strata)
    return {"naive": naive, "adjusted": adjusted, "sentence": _sentence(naive, adjusted)}


def _pct(value: float) -> str:
    return f"{value * 100:+.1f} points"


def _sentence(naive: dict[str, Any], adjusted: dict[str, Any]) -> str:
    chat, rest = naive["chat"]["rate"], naive["no_chat"]["rate"]
    if chat is None or rest is None:
        return "Not enough data: both visits with and without a chat are needed."
    head = (
        f"Visits with a chat converted at {chat * 100:.1f}%, without at {rest * 100:.1f}% "
        f"(naive difference {_pct(chat - rest)})."
    )
    if adjusted["difference"] is None:
        return head + " No adjusted estimate: too few comparable visits with an intent score."
    low, high = adjusted["interval"]
    verdict = (
        "so chats lift conversion"
        if low > 0
        else "so chats lower conversion"
        if high < 0
        else "so no lift is shown yet"
    )
    return (
        f"{head} Compared with visits of the same purchase intent, the chat's own effect is "
        f"{_pct(adjusted['difference'])} (95% interval {_pct(low)} to {_pct(high)}), {verdict}; "
        "the rest of the naive gap is shoppers who were going to buy anyway."
    )


# -- the queue --------------------------------------------------------------------------------
def erlang_c(servers: int, load: float) -> float:
    """Probability an arrival waits (Erlang C), for `load` Erlangs offered to `servers`."""
    if servers <= load:
        return 1.0
    term, total = 1.0, 1.0  # A^k / k!, summed for k < servers
    for k in range(1, servers):
        term *= load / k
        total += term
    last = term * load / servers * servers / (servers - load)
    return last / (total + last)


def staffing(
    arrivals_per_hour: float,
    handle_seconds: float,
    target_wait_seconds: float,
    concurrency: int,
    service_level: float = 0.8,
) -> dict[str, Any]:
    """Chat slots (and associates, each holding `concurrency` chats) so that at least
    `service_level` of chats are answered within the target wait (Erlang C, M/M/c)."""
    if arrivals_per_hour <= 0 or handle_seconds <= 0:
        return {"slots": 0, "associates": 0, "load_erlangs": 0.0, "answered_within_target": None}
    load = arrivals_per_hour * handle_seconds / 3600.0
    slots = max(1, math.ceil(load))
    while True:
        waits = erlang_c(slots, load)
        within = 1 - waits * math.exp(-(slots - load) * target_wait_seconds / handle_seconds)
        if within >= service_level or slots > 10_000:
            break
        slots += 1
    return {
        "slots": slots,
        "associates": math.ceil(slots / max(1, concurrency)),
        "load_erlangs": round(load, 3),
        "answered_within_target": round(within, 4),
    }


def percentile(values: Sequence[float], q: float) -> float | None:
    return quantile(values, q) if values else None
