"""Evaluation of the purchase-intent model under three protocols, with and without PageValues.

Protocols:

* ``cv5``: stratified 5-fold cross-validation (shuffled, fixed seed), metrics averaged over folds;
* ``split70``: one stratified 70/30 split (fixed seed), as in Sakar et al. (2019);
* ``temporal``: train on February-October sessions, test on November-December;
* ``temporal_val``: time-ordered validation inside February-October only (train February-June,
  validate July-August; train February-August, validate September-October), metrics averaged
  over the two folds. It never reads a November or December row, so design choices (features,
  hyperparameters, calibration) are made on it and ``temporal`` is kept for the final check.
  Not in :data:`PROTOCOLS` (the shipped report's table); ask for it by name.

Each is run with all :data:`~salon.insight.intent.FEATURES` and without PageValues, which in the
UCI data is computed by Google Analytics from the revenue of the pages and so leaks the outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from rich.table import Table
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    f1_score,
    roc_auc_score,
)
from sklearn.model_selection import (
    StratifiedKFold,
    train_test_split,
)

from salon.insight.intent import (
    FEATURES,
    FEATURES_NO_PAGEVALUES,
    FloatArray,
    IntArray,
    train,
)

PROTOCOLS: tuple[str, ...] = ("cv5", "split70", "temporal")
PROTOCOL_LABELS: dict[str, str] = {
    "cv5": "5-fold CV",
    "split70": "70/30 split",
    "temporal": "temporal",
    "temporal_val": "temporal validation (Feb-Oct)",
}
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "all": FEATURES,
    "no PageValues": FEATURES_NO_PAGEVALUES,
}
TRAIN_MONTHS = range(2, 11)
TEST_MONTHS = (11, 12)
#: ``temporal_val`` folds: (train months, validation months), all inside ``TRAIN_MONTHS``.
VALIDATION_FOLDS: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = (
    ((2, 3, 4, 5, 6), (7, 8)),
    ((2, 3, 4, 5, 6, 7, 8), (9, 10)),
)
METRICS: tuple[str, ...] = (
    "roc_auc", "pr_auc", "f1", "f1_best", "accuracy", "tpr", "tnr", "brier",
)  # fmt: skip

#: Published reference points (Sakar et al., Neural Computing and Applications 31, 2019).
SAKAR_REFERENCE: tuple[tuple[str, str], ...] = (
    ("Random forest, original data, 70/30 split", "accuracy 0.895, F1 0.58"),
    ("With oversampling and feature selection", "F1 0.87"),
)


@dataclass(frozen=True)
class EvalRow:
    """Metrics for one protocol and one feature set.

    ``f1`` uses threshold 0.5 on the calibrated probability; ``f1_best`` uses the threshold that
    maximises F1 on the training fold's own (in-sample) predictions, given in ``threshold``.
    ``accuracy``, ``tpr`` and ``tnr`` use 0.5. Under ``cv5`` all values are fold means.
    """

    protocol: str
    feature_set: str
    n_train: int
    n_test: int
    roc_auc: float
    pr_auc: float
    f1: float
    f1_best: float
    threshold: float
    accuracy: float
    tpr: float
    tnr: float
    brier: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _best_threshold(y: IntArray, p: FloatArray) -> float:
    grid = np.round(np.linspace(0.05, 0.95, 91), 2)
    scores = [f1_score(y, (p >= t).astype(np.int64), zero_division=0) for t in grid]
    return float(grid[int(np.argmax(scores))])


def _metrics(
    y_test: IntArray, p_test: FloatArray, y_train: IntArray, p_train: FloatArray
) -> dict[str, float]:
    pred = (p_test >= 0.5).astype(np.int64)
    pos, neg = y_test == 1, y_test == 0
    t = _best_threshold(y_train, p_train)
    return {
        "roc_auc": float(roc_auc_score(y_test, p_test)),
        "pr_auc": float(average_precision_score(y_test, p_test)),
        "f1": float(f1_score(y_test, pred, zero_division=0)),
        "f1_best": float(f1_score(y_test, (p_test >= t).astype(np.int64), zero_division=0)),
        "threshold": t,
        "accuracy": float(accuracy_score(y_test, pred)),
        "tpr": float(pred[pos].mean()) if pos.any() else 0.0,
        "tnr": float(1 - pred[neg].mean()) if neg.any() else 0.0,
        "brier": float(brier_score_loss(y_test, p_test)),
    }


def _splits(
    protocol: str, y: IntArray, months: IntArray | None, seed: int
) -> list[tuple[IntArray, IntArray]]:
    idx = np.arange(len(y))
    if protocol == "cv5":
        skf = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
        return [(tr.astype(np.int64), te.astype(np.int64)) for tr, te in skf.split(idx, y)]
    if protocol == "split70":
        tr, te = train_test_split(idx, test_size=0.3, stratify=y, random_state=seed)
        return [(np.sort(tr).astype(np.int64), np.sort(te).astype(np.int64))]
    if protocol == "temporal":
        if months is None:
            raise ValueError("the temporal protocol needs the month of each session")
        return [(idx[np.isin(months, TRAIN_MONTHS)], idx[np.isin(months, TEST_MONTHS)])]
    if protocol == "temporal_val":
        if months is None:
            raise ValueError("the temporal_val protocol needs the month of each session")
        return [
            (idx[np.isin(months, train_m)], idx[np.isin(months, val_m)])
            for train_m, val_m in VALIDATION_FOLDS
        ]
    known = (*PROTOCOLS, "temporal_val")
    raise ValueError(f"unknown protocol {protocol!r}; expected one of {known}")


def evaluate(
    X: FloatArray,
    y: IntArray,
    months: IntArray | None = None,
    *,
    features: Sequence[str] = FEATURES,
    protocols: Sequence[str] = PROTOCOLS,
    feature_sets: Sequence[str] = ("all", "no PageValues"),
    seed: int = 0,
) -> list[EvalRow]:
    """Evaluate the training recipe of :func:`salon.insight.intent.train`.

    ``X`` has columns in ``features`` order (as returned by ``load_dataset``); ``months`` (1-12)
    is needed only for the temporal protocols. Returns one row per protocol and feature set.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    rows: list[EvalRow] = []
    for protocol in protocols:
        splits = _splits(protocol, y, months, seed)
        for fs in feature_sets:
            cols = [f for f in FEATURE_SETS[fs] if f in features]
            Xs = X[:, [list(features).index(f) for f in cols]]
            per_split: list[dict[str, float]] = []
            for tr, te in splits:
                model = train(Xs[tr], y[tr], seed=seed, features=cols)
                p_tr = model.predict_proba(Xs[tr])[:, 1]
                p_te = model.predict_proba(Xs[te])[:, 1]
                per_split.append(_metrics(y[te], p_te, y[tr], p_tr))
            mean = {k: float(np.mean([m[k] for m in per_split])) for k in per_split[0]}
            rows.append(
                EvalRow(
                    protocol=protocol,
                    feature_set=fs,
                    n_train=round(np.mean([len(tr) for tr, _ in splits])),
                    n_test=round(np.mean([len(te) for _, te in splits])),
                    **mean,
                )
            )
    return rows


_HEADERS = ("protocol", "features", "ROC-AUC", "PR-AUC", "F1@0.5", "F1@best (thr)",
            "acc", "TPR", "TNR", "Brier")  # fmt: skip


def _cells(row: EvalRow) -> list[str]:
    return [
        PROTOCOL_LABELS.get(row.protocol, row.protocol),
        row.feature_set,
        f"{row.roc_auc:.3f}",
        f"{row.pr_auc:.3f}",
        f"{row.f1:.3f}",
        f"{row.f1_best:.3f} ({row.threshold:.2f})",
        f"{row.accuracy:.3f}",
        f"{row.tpr:.3f}",
        f"{row.tnr:.3f}",
        f"{row.brier:.3f}",
    ]


def render_table(rows: Sequence[EvalRow], title: str = "Purchase-intent model") -> Table:
    """The results as a rich Table (print it with ``rich.console.Console().print``)."""
    table = Table(title=title)
    for i, h in enumerate(_HEADERS):
        table.add_column(h, justify="left" if i < 2 else "right")
    for row in rows:
        table.add_row(*_cells(row))
    return table


def render_markdown(rows: Sequence[EvalRow], with_reference: bool = True) -> str:
    """The results as a Markdown table, optionally followed by Sakar et al.'s figures."""
    lines = [
        "| " + " | ".join(_HEADERS) + " |",
        "|" + "|".join(["---"] * 2 + ["---:"] * (len(_HEADERS) - 2)) + "|",
    ]
    lines += ["| " + " | ".join(_cells(row)) + " |" for row in rows]
    if with_reference:
        lines.append("")
        lines.append("Sakar et al. (2019), for comparison:")
        lines.append("")
        lines += [f"- {what}: {value}" for what, value in SAKAR_REFERENCE]
    return "\n".join(lines) + "\n"
