"""Retraining the intent model on the store's own finished visits (`salon insight train`).

A finished visit is one that left the floor (no event for `SALON_FLOOR_ACTIVE_SECONDS`). Its
features are computed exactly as the live scorer computes them, at the visit's last event, from
the same page statistics; the label is whether it bought. Training refuses to replace the shipped
model with one fitted on too little data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from salon.core.clock import as_utc, utcnow
from salon.db.engine import Database
from salon.floor.service import customer_lookup
from salon.floor.state import VisitState
from salon.insight.abandonment import (
    CART_FEATURES,
    AbandonmentModel,
    cart_features,
    fit_abandonment,
)
from salon.insight.features import HISTORY_FEATURES, compute_page_stats, session_features
from salon.insight.intent import FEATURES, IntentModel, fit_model
from salon.tracking.service import recent_visits

MIN_VISITS = 200
MIN_BUYERS = 20
#: the store model sees what the UCI model cannot: the customer's history with the store
STORE_FEATURES: tuple[str, ...] = (*FEATURES, *HISTORY_FEATURES)


@dataclass(frozen=True)
class StoreData:
    X: np.ndarray
    y: np.ndarray
    visits: int
    buyers: int
    # carts: the visit as it was right after its last add-to-cart, and whether it then bought
    cart_rows: list[dict[str, float]] = field(default_factory=list)
    cart_partial: list[list[float]] = field(default_factory=list)
    cart_abandoned: list[int] = field(default_factory=list)


async def store_dataset(db: Database, days: int, active_seconds: float) -> StoreData:
    stats = await compute_page_stats(db)
    lookup = customer_lookup(db)
    now = utcnow()
    cutoff = (now - timedelta(seconds=active_seconds)).timestamp()
    rows: list[list[float]] = []
    labels: list[int] = []
    cart_rows: list[dict[str, float]] = []
    cart_partial: list[list[float]] = []
    cart_abandoned: list[int] = []
    async for visits, events in recent_visits(db, now - timedelta(days=days)):
        states: dict[str, VisitState] = {}
        for visit in visits:
            last = as_utc(visit.last_seen_at).timestamp()
            if last > cutoff:
                continue  # still on the floor: not finished
            states[visit.id] = VisitState(
                site_id=visit.site_id,
                visit_id=visit.id,
                visitor_id=visit.visitor_id,
                started_at=as_utc(visit.started_at).timestamp(),
                last_seen_at=last,
                is_returning=visit.is_returning,
                customer_id=visit.customer_id,
            )
            if visit.customer_id:
                states[visit.id].customer = await lookup(visit.customer_id)
        snapshots: dict[str, tuple[dict[str, float], list[float]]] = {}
        for visit_id, kind, occurred_at, data in events:
            state = states.get(visit_id)
            if state is not None and not state.purchased:  # features as of before buying
                at = as_utc(occurred_at).timestamp()
                state.apply(kind, at, data)
                if kind == "add_to_cart":
                    snapshots[visit_id] = (
                        session_features(state, stats, at),
                        cart_features(state, 0.0),
                    )
        for state in states.values():
            row = session_features(state, stats, state.last_seen_at)
            rows.append([row.get(f, 0.0) for f in STORE_FEATURES])
            labels.append(1 if state.purchased else 0)
            if state.visit_id in snapshots:
                features, partial = snapshots[state.visit_id]
                cart_rows.append(features)
                cart_partial.append(partial)
                cart_abandoned.append(0 if state.purchased else 1)
    X = np.asarray(rows, dtype=np.float64).reshape(-1, len(STORE_FEATURES))
    y = np.asarray(labels, dtype=np.int64)
    return StoreData(X, y, len(y), int(y.sum()), cart_rows, cart_partial, cart_abandoned)


def fit_store_model(data: StoreData, seed: int = 0) -> IntentModel:
    """Fit on the store's visits; the report keeps a held-out ROC-AUC to compare with the
    shipped model's numbers."""
    if data.visits < MIN_VISITS or data.buyers < MIN_BUYERS:
        raise ValueError(
            f"only {data.visits} finished visits with {data.buyers} purchases; training needs "
            f"at least {MIN_VISITS} visits and {MIN_BUYERS} purchases"
        )
    X_train, X_test, y_train, y_test = train_test_split(
        data.X, data.y, test_size=0.3, stratify=data.y, random_state=seed
    )
    held_out = fit_model(X_train, y_train, seed=seed, features=STORE_FEATURES)
    auc = float(roc_auc_score(y_test, held_out.predict_matrix(X_test)))
    version = "intent-store-" + utcnow().strftime("%Y%m%d%H%M%S")
    return fit_model(
        data.X,
        data.y,
        features=STORE_FEATURES,
        seed=seed,
        version=version,
        report={
            "source": "store visits",
            "visits": data.visits,
            "purchases": data.buyers,
            "held_out_roc_auc": round(auc, 4),
        },
    )


def fit_store_abandonment(data: StoreData, intent: IntentModel) -> AbandonmentModel:
    """The cart model, from the intent model's score at the last add-to-cart plus the cart."""
    scores = intent.score(data.cart_rows)
    X = np.asarray(
        [[p, *partial[1:]] for p, partial in zip(scores, data.cart_partial, strict=True)],
        dtype=np.float64,
    ).reshape(-1, len(CART_FEATURES))
    y = np.asarray(data.cart_abandoned, dtype=np.int64)
    version = "abandonment-store-" + utcnow().strftime("%Y%m%d%H%M%S")
    return fit_abandonment(X, y, version)


def default_abandonment_path() -> Path:
    return Path("models") / "abandonment-store.joblib"


def default_store_model_path() -> Path:
    return Path("models") / "intent-store.joblib"
