"""The shipped purchase-intent model: loads offline, ranks sessions sensibly, evaluates stably."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from salon.insight.intent import (
    FEATURES,
    IntentModel,
    fit_model,
    load_dataset,
    load_shipped,
    report_path_for,
    shipped_model_path,
)
from salon.insight.intent_eval import (
    TEST_MONTHS,
    VALIDATION_FOLDS,
    evaluate,
    render_markdown,
    render_table,
)

# Measured when the model was built (temporal ROC-AUC 0.841 with, 0.698 without); floors = -0.02.
TEMPORAL_AUC_FLOOR_ALL = 0.82
TEMPORAL_AUC_FLOOR_NO_PAGEVALUES = 0.67

BUYER = {
    "Administrative": 4, "Administrative_Duration": 120.0, "Informational": 1,
    "Informational_Duration": 30.0, "ProductRelated": 45, "ProductRelated_Duration": 2400.0,
    "BounceRates": 0.0, "ExitRates": 0.008, "PageValues": 60.0, "SpecialDay": 0.0,
    "ReturningVisitor": 1, "Weekend": 0,
}  # fmt: skip
BOUNCE = {
    "Administrative": 0, "Administrative_Duration": 0.0, "Informational": 0,
    "Informational_Duration": 0.0, "ProductRelated": 1, "ProductRelated_Duration": 0.0,
    "BounceRates": 0.2, "ExitRates": 0.2, "PageValues": 0.0, "SpecialDay": 0.0,
    "ReturningVisitor": 0, "Weekend": 0,
}  # fmt: skip


@pytest.fixture(scope="module")
def shipped() -> IntentModel:
    return load_shipped()


def test_shipped_artifact_is_small_and_has_report() -> None:
    path = shipped_model_path()
    assert path.is_file()
    assert path.stat().st_size < 2 * 1024 * 1024
    assert report_path_for(path).is_file()


def test_shipped_model_scores_buyer_above_bounce(shipped: IntentModel) -> None:
    assert shipped.features == FEATURES
    assert shipped.version == "intent-v1"
    buyer, bounce = shipped.score([BUYER, BOUNCE])
    assert 0.0 <= bounce < buyer <= 1.0
    assert buyer > 0.5
    assert bounce < 0.05
    assert shipped.score([]) == []
    assert "evaluation" in shipped.report


def test_explain_gives_three_named_reasons(shipped: IntentModel) -> None:
    reasons = shipped.explain(BUYER)
    assert len(reasons) == 3
    assert all(name in FEATURES for name, _ in reasons)
    assert all(isinstance(c, float) for _, c in reasons)
    assert reasons[0][0] == "PageValues"
    assert reasons[0][1] > 0
    sizes = [abs(c) for _, c in reasons]
    assert sizes == sorted(sizes, reverse=True)


def test_temporal_evaluation_is_reproducible_and_above_floor() -> None:
    X, y, months = load_dataset()
    first = evaluate(X, y, months, protocols=("temporal",))
    second = evaluate(X, y, months, protocols=("temporal",))
    assert first == second
    by_set = {r.feature_set: r for r in first}
    assert by_set["all"].roc_auc > TEMPORAL_AUC_FLOOR_ALL
    assert by_set["no PageValues"].roc_auc > TEMPORAL_AUC_FLOOR_NO_PAGEVALUES
    assert 0.0 < by_set["all"].brier < 0.2
    assert "temporal" in render_markdown(first)
    assert render_table(first).row_count == 2


def test_temporal_validation_never_reads_the_test_months() -> None:
    """Design choices are made on ``temporal_val``; scrambling Nov-Dec must not move it."""
    X, y, months = load_dataset()
    first = evaluate(X, y, months, protocols=("temporal_val",), feature_sets=("all",))
    late = np.isin(months, TEST_MONTHS)
    X_scrambled, y_flipped = X.copy(), y.copy()
    X_scrambled[late] = X_scrambled[late][::-1]
    y_flipped[late] = 1 - y_flipped[late]
    second = evaluate(
        X_scrambled, y_flipped, months, protocols=("temporal_val",), feature_sets=("all",)
    )
    assert first == second
    (row,) = first
    val_sizes = [int(np.isin(months, val_m).sum()) for _, val_m in VALIDATION_FOLDS]
    assert row.n_test == round(np.mean(val_sizes))
    assert row.roc_auc > TEMPORAL_AUC_FLOOR_ALL
    assert "temporal validation" in render_markdown(first)
    with pytest.raises(ValueError, match="temporal_val"):
        evaluate(X, y, None, protocols=("temporal_val",))


def test_save_and_load_roundtrip(tmp_path: Path) -> None:
    X, y, _ = load_dataset()
    model = fit_model(X[:3000], y[:3000], version="test-v0", report={"note": "small"})
    path = tmp_path / "m.joblib"
    model.save(path)
    again = IntentModel.load(path)
    assert again.version == "test-v0"
    assert again.report["note"] == "small"
    assert again.medians == model.medians
    assert again.score([BUYER, BOUNCE]) == model.score([BUYER, BOUNCE])
    assert report_path_for(path).read_text(encoding="utf-8").startswith("{")
