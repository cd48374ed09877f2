"""The lift's interval is the published one; the hold-out draw is random and sticky."""

from __future__ import annotations

import secrets

import pytest

from salon.playbooks.engine import holdout_draw
from salon.playbooks.lift import Group, difference_interval, lift_report


def test_newcombe_interval_matches_the_paper() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, table II example (b): 56/70 vs 48/80
    low, high = difference_interval(Group(70, 56, 0), Group(80, 48, 0)) or (0, 0)
    assert low == pytest.approx(0.0524, abs=1e-4)
    assert high == pytest.approx(0.3339, abs=1e-4)


def test_lift_report_reads_the_interval() -> None:
    lifted = lift_report(Group(1000, 120, 60_000.0), Group(1000, 80, 40_000.0), 1500.0)
    assert lifted["difference"] == pytest.approx(0.04)
    assert lifted["interval"][0] > 0 and lifted["verdict"].startswith("lifts")
    assert lifted["incremental_revenue"] == pytest.approx(20_000.0)
    assert lifted["net"] == pytest.approx(18_500.0)
    unsure = lift_report(Group(50, 6, 0.0), Group(50, 5, 0.0), 0.0)
    assert unsure["interval"][0] < 0 < unsure["interval"][1]
    assert unsure["verdict"].startswith("no difference")
    empty = lift_report(Group(3, 1, 100.0), Group(0, 0, 0.0), 10.0)
    assert empty["interval"] is None and empty["verdict"].startswith("not enough data")


def test_holdout_is_random_sticky_and_independent_between_playbooks() -> None:
    salt_a, salt_b = secrets.token_hex(16), secrets.token_hex(16)
    visitors = [secrets.token_hex(16) for _ in range(20_000)]
    held_a = {v for v in visitors if holdout_draw(salt_a, v) < 0.10}
    held_b = {v for v in visitors if holdout_draw(salt_b, v) < 0.10}
    # 10% of 20,000 is 2,000 with a standard deviation of about 42
    assert 1800 < len(held_a) < 2200 and 1800 < len(held_b) < 2200
    # another playbook draws again: about 1% are held out of both, not 10%
    assert 100 < len(held_a & held_b) < 320
    assert all(holdout_draw(salt_a, v) < 0.10 for v in list(held_a)[:500])  # sticky
    draws = sorted(holdout_draw(salt_a, v) for v in visitors)
    assert draws[len(draws) // 2] == pytest.approx(0.5, abs=0.02)
