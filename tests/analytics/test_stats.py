"""The statistics on their own: the adjusted lift recovers a known effect the naive one misses."""

from __future__ import annotations

import random

import pytest

from salon.analytics.charts import bars, heat, lines
from salon.analytics.stats import Unit, adjusted_lift, conversion_summary, erlang_c, staffing

TRUE_EFFECT = 0.03


def synthetic(seed: int, n: int = 20_000) -> list[Unit]:
    """Intent drives both chatting and buying; a chat adds exactly TRUE_EFFECT to the chance."""
    rng = random.Random(seed)
    units = []
    for _ in range(n):
        intent = rng.random()
        chatted = rng.random() < 0.02 + 0.25 * intent**2
        chance = 0.01 + 0.25 * intent**2 + (TRUE_EFFECT if chatted else 0.0)
        units.append(Unit(chatted, rng.random() < chance, intent))
    return units


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_adjusted_interval_covers_the_true_effect_and_the_naive_one_does_not(seed: int) -> None:
    result = conversion_summary(synthetic(seed))
    naive, adjusted = result["naive"], result["adjusted"]
    low, high = adjusted["interval"]
    assert low <= TRUE_EFFECT <= high
    assert naive["interval"][0] > high  # the naive lift is far above: selection, not the chat
    assert naive["difference"] > 2 * TRUE_EFFECT
    assert adjusted["excluded_no_score"] == 0 and adjusted["unmatched_chats"] == 0
    assert "Compared with visits of the same purchase intent" in result["sentence"]


def test_coverage_over_many_draws_is_near_95_percent() -> None:
    covered = 0
    for seed in range(40):
        low, high = adjusted_lift(synthetic(100 + seed, 8_000))["interval"]
        covered += low <= TRUE_EFFECT <= high
    assert covered >= 34  # 95% nominal; 34 of 40 is the 1% lower tail of Binomial(40, 0.95)


def test_visits_without_a_score_are_left_out_and_counted() -> None:
    units = [*synthetic(5, 4_000), Unit(True, True, None), Unit(False, False, None)]
    assert adjusted_lift(units)["excluded_no_score"] == 2


def test_no_comparison_without_both_groups() -> None:
    only_chats = [Unit(True, True, 0.5), Unit(True, False, 0.2)]
    result = conversion_summary(only_chats)
    assert result["naive"]["interval"] is None
    assert result["adjusted"]["difference"] is None
    assert result["sentence"].startswith("Not enough data")
    assert conversion_summary([])["adjusted"]["strata"] == []


def test_erlang_c_and_staffing_match_the_textbook() -> None:
    # 100 chats/h of 180 s = 5 Erlangs: P(wait) is 0.3241 with 7 servers, 0.1673 with 8
    assert erlang_c(7, 5.0) == pytest.approx(0.3241, abs=1e-4)
    assert erlang_c(8, 5.0) == pytest.approx(0.1673, abs=1e-4)
    plan = staffing(100, 180, 20, concurrency=1)  # 7 answer 74% within 20 s, 8 answer 88%
    assert plan["slots"] == 8 and plan["answered_within_target"] == pytest.approx(0.88, abs=0.01)
    assert staffing(100, 180, 20, concurrency=3)["associates"] == 3
    assert staffing(0, 180, 20, concurrency=3)["associates"] == 0


def test_chart_text_is_escaped() -> None:
    hostile = '<script>alert(1)</script>"&'
    for svg in (
        bars(hostile, [hostile], [1.0]),
        lines(hostile, [hostile], {hostile: [1.0]}),
        heat(hostile, [hostile], [[1] * 24]),
    ):
        assert "<script>" not in svg and "&lt;script&gt;" in svg
