"""Evaluate plain VADER against VADER + retail lexicon.

Data (vendored in ``salon/insight/data``):

* UCI Sentiment Labelled Sentences (amazon cells, imdb; 1,000 sentences each, 500 positive,
  500 negative; CC BY 4.0, Kotzias et al., KDD 2015). General review language.
* ``retail_phrases.tsv``: 60 positive/negative and 15 neutral shopper phrases written by us,
  together with the lexicon: an in-domain sanity check, not an independent benchmark.

Binary decision as in the VADER paper: compound >= 0.05 is positive, else negative; accuracy and
macro-F1 over the two classes. On the retail set we also report how many of the neutral
phrases (searches such as "free shipping", "party dress red") stay neutral (|compound| < 0.05).

``learned_baseline_rows`` adds TF-IDF + logistic regression for comparison: 10-fold
cross-validated inside each UCI set (an in-domain claim: it learns that set's vocabulary) and
trained on one set, tested on the other or on the retail set (out of domain).

Run: ``python -m salon.insight.sentiment_eval``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from salon.insight.sentiment import THRESHOLD, Sentiment, get_sentiment

DATA_DIR = Path(__file__).parent / "data"
UCI_FILES = {
    "amazon": DATA_DIR / "sentiment" / "amazon_cells_labelled.txt",
    "imdb": DATA_DIR / "sentiment" / "imdb_labelled.txt",
}
RETAIL_FILE = DATA_DIR / "retail_phrases.tsv"


@dataclass(frozen=True)
class EvalRow:
    dataset: str
    model: str
    n: int
    accuracy: float
    macro_f1: float
    neutral_kept: float | None = None  # share of neutral phrases labelled neutral (retail only)
    neutral_n: int = 0


def load_labelled(path: Path) -> list[tuple[str, int]]:
    """``sentence<TAB>label`` lines (1 positive, 0 negative).

    Split on "\\n" only: the imdb file contains U+0085 inside sentences, which
    ``str.splitlines`` would treat as a line break; quotes are kept as typed.
    """
    rows: list[tuple[str, int]] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        sentence, _, label = line.rpartition("\t")
        rows.append((sentence.strip(), int(label.strip())))
    return rows


def load_retail(path: Path = RETAIL_FILE) -> list[tuple[str, str]]:
    """``text<TAB>positive|negative|neutral``; lines starting with # are comments."""
    rows: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip() or line.startswith("#"):
            continue
        text, _, label = line.rpartition("\t")
        if label not in ("positive", "negative", "neutral"):
            raise ValueError(f"bad label in {path.name}: {line!r}")
        rows.append((text, label))
    return rows


def binary_metrics(truth: Sequence[int], predicted: Sequence[int]) -> tuple[float, float]:
    """Accuracy and macro-F1 over the classes 0 and 1."""
    if len(truth) != len(predicted) or not truth:
        raise ValueError("need two equally long, non-empty label lists")
    accuracy = sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)
    f1s: list[float] = []
    for cls in (0, 1):
        tp = sum(t == cls and p == cls for t, p in zip(truth, predicted, strict=True))
        fp = sum(t != cls and p == cls for t, p in zip(truth, predicted, strict=True))
        fn = sum(t == cls and p != cls for t, p in zip(truth, predicted, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return accuracy, sum(f1s) / 2


def _binary(model: Sentiment, texts: Sequence[str]) -> list[int]:
    return [1 if model.score(t) >= THRESHOLD else 0 for t in texts]


def evaluate() -> list[EvalRow]:
    """Plain VADER and VADER + retail lexicon on amazon, imdb and the retail phrases."""
    models = {"VADER": get_sentiment(retail=False), "VADER + retail": get_sentiment(retail=True)}
    rows: list[EvalRow] = []
    for name, path in UCI_FILES.items():
        data = load_labelled(path)
        truth = [y for _, y in data]
        for model_name, model in models.items():
            acc, f1 = binary_metrics(truth, _binary(model, [t for t, _ in data]))
            rows.append(EvalRow(name, model_name, len(data), acc, f1))
    retail = load_retail()
    polar = [(t, 1 if y == "positive" else 0) for t, y in retail if y != "neutral"]
    neutral = [t for t, y in retail if y == "neutral"]
    for model_name, model in models.items():
        acc, f1 = binary_metrics([y for _, y in polar], _binary(model, [t for t, _ in polar]))
        kept = sum(model.label(t) == "neutral" for t in neutral) / len(neutral)
        rows.append(EvalRow("retail (ours)", model_name, len(polar), acc, f1, kept, len(neutral)))
    return rows


def learned_baseline_rows(folds: int = 10, seed: int = 0) -> list[EvalRow]:
    """TF-IDF (word 1-2 grams) + logistic regression, for comparison only (not shipped)."""
    import numpy as np
    from sklearn.feature_extraction.text import (
        TfidfVectorizer,
    )
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import (
        StratifiedKFold,
        cross_val_predict,
    )
    from sklearn.pipeline import make_pipeline

    def pipeline() -> object:
        return make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
            LogisticRegression(max_iter=1000, C=4.0),
        )

    data = {name: load_labelled(path) for name, path in UCI_FILES.items()}
    rows: list[EvalRow] = []
    for name, items in data.items():
        texts, truth = [t for t, _ in items], [y for _, y in items]
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        predicted = cross_val_predict(pipeline(), texts, np.array(truth), cv=cv)
        acc, f1 = binary_metrics(truth, [int(p) for p in predicted])
        rows.append(EvalRow(name, f"TF-IDF+LR, {folds}-fold CV (in-domain)", len(items), acc, f1))
    retail = [(t, 1 if y == "positive" else 0) for t, y in load_retail() if y != "neutral"]
    for train_name, train in data.items():
        model = pipeline()
        model.fit([t for t, _ in train], [y for _, y in train])  # type: ignore[attr-defined]
        targets = {n: d for n, d in data.items() if n != train_name}
        targets["retail (ours)"] = retail
        for test_name, test in targets.items():
            predicted = model.predict([t for t, _ in test])  # type: ignore[attr-defined]
            acc, f1 = binary_metrics([y for _, y in test], [int(p) for p in predicted])
            rows.append(
                EvalRow(test_name, f"TF-IDF+LR trained on {train_name}", len(test), acc, f1)
            )
    return rows


def render_markdown(rows: Sequence[EvalRow]) -> str:
    lines = [
        "| data set | model | n | accuracy | macro-F1 | neutral kept |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        kept = f"{r.neutral_kept:.2f} of {r.neutral_n}" if r.neutral_kept is not None else ""
        lines.append(
            f"| {r.dataset} | {r.model} | {r.n} | {r.accuracy:.3f} | {r.macro_f1:.3f} | {kept} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    print(render_markdown(evaluate()))
    print(render_markdown(learned_baseline_rows()))


if __name__ == "__main__":
    main()
