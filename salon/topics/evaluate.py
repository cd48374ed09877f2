"""Grouping quality on CLINC150 (150 intents): NMI, ARI and matched accuracy, k never given."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from salon.topics.embedding import Embedder
from salon.topics.grouping import (
    JOIN_SIMILARITY,
    WARD_DISTANCE,
    group_batch,
    group_online,
    scores,
)

DATA = Path(__file__).parent / "data" / "clinc150_val_test.json"
STREAM_SEED = 7  # the live algorithm sees the queries in this shuffled order


@dataclass(frozen=True)
class GroupingScore:
    embedder: str
    method: str  # "online" (what runs live) or "batch" (Ward, all at once)
    split: str
    nmi: float
    ari: float
    accuracy: float
    clusters: int
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def load_clinc(split: str = "test") -> tuple[list[str], list[str]]:
    """The in-scope queries of a split ("val" or "test") and their intents."""
    rows = json.loads(DATA.read_text())[split]
    return [row[0] for row in rows], [row[1] for row in rows]


def evaluate(
    embedder: Embedder,
    split: str = "test",
    progress: Callable[[str], None] = lambda _step: None,
) -> list[GroupingScore]:
    texts, truth = load_clinc(split)
    progress(f"embedding {len(texts)} queries with {embedder.name}")
    started = time.perf_counter()
    vectors = embedder.encode(texts)
    embed_seconds = time.perf_counter() - started
    out = []
    progress("grouping online (live algorithm, shuffled stream)")
    order = np.random.default_rng(STREAM_SEED).permutation(len(texts))
    started = time.perf_counter()
    streamed = group_online(vectors[order], JOIN_SIMILARITY[embedder.name])
    seconds = time.perf_counter() - started
    found = np.empty(len(texts), dtype=np.int64)
    found[order] = streamed
    out.append(_score(embedder.name, "online", split, truth, found, embed_seconds + seconds))
    progress("grouping in batch (Ward)")
    started = time.perf_counter()
    batch = group_batch(vectors, WARD_DISTANCE[embedder.name])
    seconds = time.perf_counter() - started
    out.append(_score(embedder.name, "batch", split, truth, batch, embed_seconds + seconds))
    return out


def _score(
    embedder: str, method: str, split: str, truth: list[str], found: np.ndarray, seconds: float
) -> GroupingScore:
    result = scores(truth, [int(v) for v in found])
    return GroupingScore(
        embedder=embedder,
        method=method,
        split=split,
        nmi=round(result["nmi"], 4),
        ari=round(result["ari"], 4),
        accuracy=round(result["accuracy"], 4),
        clusters=int(result["clusters"]),
        seconds=round(seconds, 1),
    )
