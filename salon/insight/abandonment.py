"""Abandonment risk learned from the store's own carts (`salon insight train`).

Each finished visit that put something in its cart is one example: its features are taken right
after its last add-to-cart (what the floor knew then), its label is whether the visit ended
without buying. A logistic regression on the intent model's score and the cart signals keeps the
reasons readable: each term's contribution is its weight times its standardised value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from salon.floor.state import VisitState
from salon.insight.features import customer_history

CART_FEATURES = (
    "intent",
    "cart_value_log",
    "cart_items",
    "cart_flips",
    "checkout_step",
    "variant_toggles",
    "rage_clicks",
    "pages",
    "customer_orders",
    "lifetime_value_log",
    "days_since_last_order",
)
WORDS = {
    "intent": ("low purchase intent", "high purchase intent"),
    "cart_value_log": ("a small cart", "a large cart"),
    "cart_items": ("few items in the cart", "many items in the cart"),
    "cart_flips": ("a steady cart", "added and removed items"),
    "checkout_step": ("has not started checkout", "far into checkout"),
    "variant_toggles": ("decided on colours and sizes", "kept toggling colours and sizes"),
    "rage_clicks": ("calm clicking", "rage clicks"),
    "pages": ("a short visit", "a long visit"),
    "customer_orders": ("few past orders", "many past orders"),
    "lifetime_value_log": ("has spent little with us", "has spent a lot with us"),
    "days_since_last_order": ("bought recently", "has not bought for a long time"),
}
MIN_CARTS = 100
MIN_EACH = 10


def cart_features(state: VisitState, intent: float) -> list[float]:
    """The cart and its shopper: this visit's signals and, when identified, their history."""
    return [
        intent,
        math.log1p(state.cart_value),
        float(state.cart_items),
        float(state.cart_flips),
        float(state.checkout_step or 0),
        float(state.variant_toggles),
        float(len(state.rage_clicks)),
        float(state.page_count),
        *customer_history(state),
    ]


@dataclass
class AbandonmentModel:
    version: str
    coef: list[float]
    intercept: float
    mean: list[float]
    scale: list[float]
    report: dict[str, Any] = field(default_factory=dict)

    def risk(self, features: list[float]) -> tuple[float, list[str]]:
        z = [(x - m) / s for x, m, s in zip(features, self.mean, self.scale, strict=True)]
        terms = [c * v for c, v in zip(self.coef, z, strict=True)]
        logit = self.intercept + sum(terms)
        p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))
        ranked = sorted(range(len(terms)), key=lambda i: -terms[i])  # what raises the risk most
        reasons = []
        for i in ranked[:3]:
            if terms[i] <= 0.05:
                break
            low, high = WORDS[CART_FEATURES[i]]
            reasons.append(high if z[i] > 0 else low)
        return round(p, 2), reasons

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.__dict__, path)

    @classmethod
    def load(cls, path: Path) -> AbandonmentModel:
        return cls(**joblib.load(path))


def fit_abandonment(X: np.ndarray, y: np.ndarray, version: str, seed: int = 0) -> AbandonmentModel:
    """y = 1 for a cart abandoned in its visit. Refuses too little data."""
    if len(y) < MIN_CARTS or y.sum() < MIN_EACH or (len(y) - y.sum()) < MIN_EACH:
        raise ValueError(
            f"only {len(y)} finished carts ({int(y.sum())} abandoned); the abandonment model "
            f"needs at least {MIN_CARTS} carts and {MIN_EACH} of each outcome"
        )
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    Z = (X - mean) / scale
    Z_train, Z_test, y_train, y_test = train_test_split(
        Z, y, test_size=0.3, stratify=y, random_state=seed
    )
    held = LogisticRegression(max_iter=1000).fit(Z_train, y_train)
    auc = float(roc_auc_score(y_test, held.predict_proba(Z_test)[:, 1]))
    full = LogisticRegression(max_iter=1000).fit(Z, y)
    return AbandonmentModel(
        version=version,
        coef=[float(c) for c in full.coef_[0]],
        intercept=float(full.intercept_[0]),
        mean=[float(m) for m in mean],
        scale=[float(s) for s in scale],
        report={
            "carts": len(y),
            "abandoned": int(y.sum()),
            "held_out_roc_auc": round(auc, 4),
            "features": list(CART_FEATURES),
        },
    )
