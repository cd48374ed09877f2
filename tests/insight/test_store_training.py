"""`salon insight train`: a model fitted on the store's own finished visits, or a clear refusal."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import httpx

from salon.db.engine import Database
from salon.insight.intent import IntentModel
from salon.insight.training import fit_store_model, store_dataset
from tests.support import LiveServer, batch, event


def test_store_model_from_finished_visits(sqlite_url: str, tmp_path: Path) -> None:
    server = LiveServer.start(sqlite_url)
    try:
        site = server.make_site([])
        rng = random.Random(7)
        for n in range(260):
            buyer = n % 4 == 0
            pages = rng.randint(6, 14) if buyer else rng.randint(1, 3)
            events = [
                event(
                    "page_view",
                    url=f"https://shop.example/p/P{rng.randint(1, 9)}",
                    title="p",
                    page_type="product",
                )
                for _ in range(pages)
            ]
            if buyer:
                events.append(event("purchase", order_id=f"O{n}", total=900.0))
            answer = httpx.post(server.base_url + "/api/track", json=batch(site, events))
            assert answer.status_code == 200

        async def train(db: Database) -> IntentModel:
            data = await store_dataset(db, days=1, active_seconds=0)
            assert (data.visits, data.buyers) == (260, 65)
            return fit_store_model(data)

        model: IntentModel = server.run(train)
    finally:
        server.stop()
    assert model.version.startswith("intent-store-")
    assert model.report["held_out_roc_auc"] > 0.8
    model.save(tmp_path / "store.joblib")
    again = IntentModel.load(tmp_path / "store.joblib")
    assert (
        again.score([{"ProductRelated": 12, "PageValues": 300}])[0]
        > again.score([{"ProductRelated": 1, "PageValues": 0}])[0]
    )


def test_training_refuses_too_little_data(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/empty.db"
    env = {"SALON_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    assert (
        subprocess.run(
            [sys.executable, "-m", "salon.cli", "db", "upgrade"], env=env, capture_output=True
        ).returncode
        == 0
    )
    done = subprocess.run(
        [sys.executable, "-m", "salon.cli", "insight", "train"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "training needs at least 200 visits" in " ".join(done.stdout.split())


def test_abandonment_model_learned_from_the_stores_carts(tmp_path: Path) -> None:
    from salon.floor.state import VisitState
    from salon.insight.abandonment import AbandonmentModel, cart_features
    from salon.insight.intent import load_shipped
    from salon.insight.scorer import InsightScorer
    from salon.insight.training import fit_store_abandonment
    from tests.support import fresh_database

    with fresh_database("sqlite", str(tmp_path)) as url:
        server = LiveServer.start(url)
        try:
            site = server.make_site([])
            rng = random.Random(3)
            for n in range(220):
                buyer = n % 2 == 0
                product_pages = rng.randint(5, 10) if buyer else rng.randint(1, 2)
                events = [
                    event(
                        "page_view",
                        url=f"https://shop.example/p/P{i}",
                        title="p",
                        page_type="product",
                    )
                    for i in range(product_pages)
                ]
                if not buyer:  # the hesitant: toggles, flips, then leaves
                    events += [
                        event("variant_select", product_id="P1", attribute="colour", value=f"c{i}")
                        for i in range(rng.randint(3, 8))
                    ]
                    events += [
                        event("add_to_cart", product_id="P1", price=400.0, quantity=1),
                        event("remove_from_cart", product_id="P1", price=400.0, quantity=1),
                    ]
                events.append(event("add_to_cart", product_id="P2", price=900.0, quantity=1))
                if buyer:
                    events += [event("checkout_step", step=s, name="x") for s in (1, 2, 3, 4)]
                    events.append(event("purchase", order_id=f"A{n}", total=900.0))
                answer = httpx.post(server.base_url + "/api/track", json=batch(site, events))
                assert answer.status_code == 200

            async def train(db: Database) -> AbandonmentModel:
                data = await store_dataset(db, days=1, active_seconds=0)
                assert len(data.cart_abandoned) == 220 and sum(data.cart_abandoned) == 110
                return fit_store_abandonment(data, load_shipped())

            carts: AbandonmentModel = server.run(train)
        finally:
            server.stop()
    assert carts.report["held_out_roc_auc"] > 0.8
    carts.save(tmp_path / "carts.joblib")
    loaded = AbandonmentModel.load(tmp_path / "carts.joblib")
    hesitant = VisitState(
        site_id="s", visit_id="h", visitor_id="a" * 32, started_at=0, last_seen_at=0
    )
    hesitant.apply("page_view", 1, {"url": "/p/P1", "title": "p", "page_type": "product"})
    for i in range(6):
        hesitant.apply(
            "variant_select", 2 + i, {"product_id": "P1", "attribute": "colour", "value": str(i)}
        )
    hesitant.apply("add_to_cart", 9, {"product_id": "P1", "price": 400.0, "quantity": 1})
    hesitant.apply("remove_from_cart", 10, {"product_id": "P1", "price": 400.0, "quantity": 1})
    hesitant.apply("add_to_cart", 11, {"product_id": "P2", "price": 900.0, "quantity": 1})
    risk, reasons = loaded.risk(cart_features(hesitant, 0.1))
    assert risk >= 0.6 and reasons
    scored = InsightScorer(model=None, abandonment=loaded).score([hesitant], now=12)
    assert scored["h"].abandonment_risk == risk


def test_store_model_learns_from_customer_history() -> None:
    """The UCI data has no customer columns; the store's own model does, and explains with them."""
    import numpy as np

    from salon.insight.scorer import describe
    from salon.insight.training import STORE_FEATURES, StoreData

    rng = np.random.default_rng(3)
    n = 600
    X = np.zeros((n, len(STORE_FEATURES)))
    col = {name: i for i, name in enumerate(STORE_FEATURES)}
    X[:, col["ProductRelated"]] = rng.integers(1, 10, n)
    orders = rng.integers(0, 8, n)
    X[:, col["CustomerOrders"]] = orders
    X[:, col["DaysSinceLastOrder"]] = np.where(orders > 0, rng.integers(5, 300, n), 730)
    y = (rng.random(n) < np.where(orders >= 3, 0.7, 0.08)).astype(np.int64)
    model = fit_store_model(StoreData(X, y, n, int(y.sum())))

    assert set(model.features) >= {"CustomerOrders", "LifetimeValueLog", "DaysSinceLastOrder"}
    loyal = {"ProductRelated": 4.0, "CustomerOrders": 6.0, "DaysSinceLastOrder": 20.0}
    stranger = {"ProductRelated": 4.0, "CustomerOrders": 0.0, "DaysSinceLastOrder": 730.0}
    assert model.score([loyal])[0] > model.score([stranger])[0] + 0.3
    (top, weight), *_ = model.explain(loyal)
    assert top in ("CustomerOrders", "DaysSinceLastOrder")
    assert describe(top, loyal, weight) in ("6 past orders", "last order 20 days ago")
