"""Grouping questions without being told how many topics there are.

Live, one question at a time: the nearest topic centroid takes the question when their cosine
similarity reaches the embedder's threshold, else the question starts a new topic; centroids are
running means. Offline (evaluation), the same vectors grouped all at once by Ward agglomerative
clustering cut at a distance threshold. Thresholds were chosen on CLINC150's validation split,
never on its test split (docs/topics.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from salon.topics.embedding import HASHING, MINILM, Vectors

# cosine similarity a question needs to join a topic (live), per embedder
JOIN_SIMILARITY = {MINILM: 0.50, HASHING: 0.35}
# Ward distance at which the batch clustering stops merging, per embedder
WARD_DISTANCE = {MINILM: 2.0, HASHING: 2.0}


@dataclass
class OnlineGrouper:
    """The leader/centroid algorithm the live service runs; pure so it is evaluated as shipped."""

    threshold: float
    dims: int
    sums: npt.NDArray[np.float64] = field(init=False)
    centroids: npt.NDArray[np.float32] = field(init=False)
    counts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sums = np.zeros((64, self.dims))
        self.centroids = np.zeros((64, self.dims), dtype=np.float32)

    @property
    def size(self) -> int:
        return len(self.counts)

    def add_topic(self, centroid_sum: npt.NDArray[np.float64], count: int) -> int:
        """Start (or restore) a topic from the sum of its members' vectors."""
        if self.size == len(self.sums):
            self.sums = np.vstack([self.sums, np.zeros_like(self.sums)])
            self.centroids = np.vstack([self.centroids, np.zeros_like(self.centroids)])
        index = self.size
        self.counts.append(count)
        self._set(index, centroid_sum)
        return index

    def _set(self, index: int, total: npt.NDArray[np.float64]) -> None:
        self.sums[index] = total
        self.centroids[index] = total / max(float(np.linalg.norm(total)), 1e-12)

    def nearest(self, vector: Vectors) -> tuple[int, float]:
        if not self.counts:
            return -1, -1.0
        similarities = self.centroids[: self.size] @ vector
        best = int(similarities.argmax())
        return best, float(similarities[best])

    def assign(self, vector: Vectors) -> tuple[int, float, bool]:
        """(topic index, similarity to its centroid before the update, whether it is new)."""
        best, similarity = self.nearest(vector)
        if best >= 0 and similarity >= self.threshold:
            self.counts[best] += 1
            self._set(best, self.sums[best] + vector)
            return best, similarity, False
        return self.add_topic(vector.astype(np.float64), 1), 1.0, True


def group_online(vectors: Vectors, threshold: float) -> npt.NDArray[np.int64]:
    grouper = OnlineGrouper(threshold, vectors.shape[1])
    return np.array([grouper.assign(v)[0] for v in vectors], dtype=np.int64)


def group_batch(vectors: Vectors, distance: float) -> npt.NDArray[np.int64]:
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(n_clusters=None, distance_threshold=distance, linkage="ward")
    return np.asarray(model.fit_predict(vectors), dtype=np.int64)


def matched_accuracy(truth: Sequence[str], found: Sequence[int]) -> float:
    """Share of items whose cluster maps to their label under the best one-to-one matching."""
    from scipy.optimize import linear_sum_assignment

    labels = {label: i for i, label in enumerate(sorted(set(truth)))}
    clusters = {cluster: i for i, cluster in enumerate(sorted(set(found)))}
    table = np.zeros((len(clusters), len(labels)))
    for label, cluster in zip(truth, found, strict=True):
        table[clusters[cluster], labels[label]] += 1
    rows, cols = linear_sum_assignment(-table)
    return float(table[rows, cols].sum() / len(truth))


def scores(truth: Sequence[str], found: Sequence[int]) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return {
        "nmi": float(normalized_mutual_info_score(truth, found)),
        "ari": float(adjusted_rand_score(truth, found)),
        "accuracy": matched_accuracy(truth, found),
        "clusters": float(len(set(found))),
    }


def most_central(vectors: Vectors, centroid: Vectors) -> int:
    """The member closest to the centroid: the topic's readable label."""
    return int((vectors @ centroid).argmax())
