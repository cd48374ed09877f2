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
