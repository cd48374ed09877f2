"""Scoring cost: what the insight models add per event and per scoring round (in process).

    .venv/bin/python bench/scoring.py [--visits 1000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from salon.floor.state import VisitState
from salon.insight.intent import load_shipped
from salon.insight.scorer import InsightScorer


def make_visits(n: int, rng: random.Random, now: float) -> tuple[list[VisitState], int]:
    states, events = [], 0
    for i in range(n):
        state = VisitState(site_id="s", visit_id=f"v{i}", visitor_id="a" * 32,
                           started_at=now - 600, last_seen_at=now - 600)
        t = now - 600
        for _ in range(rng.randint(3, 30)):
            t += rng.uniform(5, 30)
            kind = rng.choice(["page_view", "product_view", "variant_select", "pointer_speed",
                               "search", "add_to_cart"])
            data: dict[str, object] = {
                "page_view": {"url": f"https://s/p/P{rng.randint(1, 40)}", "title": "t",
                              "page_type": rng.choice(["product", "category", "home"])},
                "product_view": {"product_id": "P1", "name": "n", "price": 100.0},
                "variant_select": {"product_id": "P1", "attribute": "colour", "value": "x"},
                "pointer_speed": {"speed": rng.uniform(100, 3000)},
                "search": {"query": rng.choice(["black tote", "too expensive", "gift for her"])},
                "add_to_cart": {"product_id": "P1", "variant_id": None, "name": "n",
                                "price": 300.0, "quantity": 1},
            }[kind]
            state.apply(kind, t, data)
            events += 1
        states.append(state)
    return states, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(0)
    now = time.time()
    started = time.perf_counter()
    states, events = make_visits(args.visits, rng, now)
    fold_us = (time.perf_counter() - started) / events * 1e6
    scorer = InsightScorer(model=load_shipped())
    scorer.score(states[:10], now)  # warm up
    for batch in (1, 100, 500):
        chunk = states[:batch]
        t0 = time.perf_counter()
        rows = scorer.rows(chunk, now)
        t1 = time.perf_counter()
        predicted = scorer.predict(rows)
        t2 = time.perf_counter()
        scorer.assemble(chunk, rows, predicted, now)
        t3 = time.perf_counter()
        print(f"batch {batch:4d}: features {1000 * (t1 - t0):7.2f} ms (event loop), "
              f"model {1000 * (t2 - t1):7.2f} ms (worker thread), "
              f"mood+risk {1000 * (t3 - t2):7.2f} ms (event loop); "
              f"{1e6 * (t3 - t0) / batch:8.1f} µs per visit")
    print(f"folding one event into the visit state (features included): {fold_us:.1f} µs")


if __name__ == "__main__":
    main()
