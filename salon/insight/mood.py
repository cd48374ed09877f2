"""Mood of a shopper from what they type and how they behave, and a detector for negative turns.

``mood`` rules (first match wins; every state comes with at most three plain-word reasons):

Text valence. Each typed text (search, chat message) is scored with VADER + retail lexicon
(:mod:`salon.insight.sentiment`). Texts scoring neutral (|compound| < 0.05, e.g. "size 38")
carry no mood and are skipped. The others are weighted by recency, ``w = 0.5 ** (age / 300 s)``
(half-life 5 minutes), and ``text = sum(w * score) / max(sum(w), 1)``: one fresh text counts
fully, it fades as it ages, several texts are averaged.

Behaviour valence (added to the text valence, the sum clipped to -1..1):

* rage clicks (recent, as counted by the floor): -0.25 each, at most -0.75;
* fast pointer (average >= 2,500 px/s, the floor's threshold): -0.15;
* add/remove flip-flops in the cart: -0.05 each, at most -0.2;
* purchased: +0.6; else checkout step >= 3: +0.4, step 1-2: +0.2;
* items in the cart: +0.3 (a bag in hand is the floor's smile); items on the wish list: +0.1;
* a long look (dwell >= 60 s) while not idle: +0.05. Idle adds nothing.

States:

1. frustrated: 2+ rage clicks; or valence <= -0.3; or one rage click, a fast pointer or 2+ cart
   flip-flops together with a negative text (text valence <= -0.05).
2. excited: purchased, checkout step >= 3, or valence >= 0.7.
3. undecided: 2+ cart flip-flops, 4+ colour/size toggles, or toggles across 3+ products.
4. happy: valence >= 0.3.
5. neutral otherwise (including idle shoppers and a single rage click on its own).

``ShiftDetector`` smooths each subject's valence and reports once when it turns negative; see its
docstring.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from salon.insight.sentiment import THRESHOLD, get_sentiment

MoodState = Literal["happy", "excited", "neutral", "undecided", "frustrated"]

TEXT_HALF_LIFE = 300.0
FAST_POINTER = 2500.0
LONG_DWELL = 60.0


@dataclass(frozen=True)
class Behaviour:
    pointer_speed_avg: float = 0.0
    rage_clicks_recent: int = 0
    cart_flips: int = 0
    variant_toggles: int = 0
    toggled_products: int = 0
    idle: bool = False
    dwell_seconds: float = 0.0
    checkout_step: int | None = None
    purchased: bool = False
    cart_items: int = 0
    wishlist: int = 0


@dataclass(frozen=True)
class MoodResult:
    state: MoodState
    valence: float
    reasons: list[str] = field(default_factory=list)
    text_valence: float = 0.0


@dataclass(frozen=True)
class _Signal:
    valence: float
    reason: str
    kind: Literal["text", "behaviour", "undecided"] = "behaviour"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@lru_cache(maxsize=8192)
def _read(text: str) -> tuple[float, str | None]:
    """A text's sentiment and its strongest word, once per distinct text (floor rescoring reads
    the same searches every second)."""
    analyzer = get_sentiment()
    value = analyzer.score(text)
    words = analyzer.reasons(text) if abs(value) >= THRESHOLD else []
    return value, (words[0] if words else None)


def _text_signals(texts: list[tuple[float, str]], now: float) -> tuple[float, list[_Signal]]:
    scored: list[tuple[float, float, str]] = []
    for at, text in texts:
        value = _read(text)[0]
        if abs(value) < THRESHOLD:
            continue
        age = max(0.0, now - at)
        scored.append((0.5 ** (age / TEXT_HALF_LIFE), value, text))
    if not scored:
        return 0.0, []
    norm = max(sum(w for w, _, _ in scored), 1.0)
    signals: list[_Signal] = []
    for w, value, text in scored:
        shown = _read(text)[1] or text.strip()[:40]
        signals.append(_Signal(w * value / norm, f"typed '{shown}'", "text"))
    return sum(w * v for w, v, _ in scored) / norm, signals


def _behaviour_signals(b: Behaviour) -> list[_Signal]:
    out: list[_Signal] = []
    if b.rage_clicks_recent > 0:
        rage = min(0.25 * b.rage_clicks_recent, 0.75)
        out.append(_Signal(-rage, _plural(b.rage_clicks_recent, "rage click")))
    if b.pointer_speed_avg >= FAST_POINTER:
        out.append(_Signal(-0.15, "moving the pointer fast and erratically"))
    if b.cart_flips > 0:
        flips = min(0.05 * b.cart_flips, 0.2)
        reason = f"added and removed items {_plural(b.cart_flips, 'time')}"
        out.append(_Signal(-flips, reason, "undecided" if b.cart_flips >= 2 else "behaviour"))
    if b.variant_toggles >= 4 or b.toggled_products >= 3:
        reason = f"toggled colours/sizes {_plural(b.variant_toggles, 'time')}"
        if b.toggled_products > 1:
            reason += f" on {b.toggled_products} products"
        out.append(_Signal(0.0, reason, "undecided"))
    if b.purchased:
        out.append(_Signal(0.6, "just bought"))
    elif b.checkout_step is not None and b.checkout_step >= 1:
        value = 0.4 if b.checkout_step >= 3 else 0.2
        out.append(_Signal(value, f"at checkout step {b.checkout_step}"))
    if b.cart_items > 0:
        out.append(_Signal(0.3, f"{_plural(b.cart_items, 'item')} in the cart"))
    if b.wishlist > 0:
        out.append(_Signal(0.1, f"{_plural(b.wishlist, 'item')} on the wish list"))
    if b.dwell_seconds >= LONG_DWELL and not b.idle:
        out.append(_Signal(0.05, f"looking for {b.dwell_seconds / 60:.0f} min"))
    return out


def mood(behaviour: Behaviour, texts: list[tuple[float, str]], now: float) -> MoodResult:
    """Mood state, valence (-1..1) and up to three reasons; rules in the module docstring."""
    text_valence, text_signals = _text_signals(texts, now)
    behaviour_signals = _behaviour_signals(behaviour)
    signals = text_signals + behaviour_signals
    valence = max(-1.0, min(1.0, text_valence + sum(s.valence for s in behaviour_signals)))
    b = behaviour
    agitated = b.rage_clicks_recent >= 1 or b.pointer_speed_avg >= FAST_POINTER or b.cart_flips >= 2
    state: MoodState
    if b.rage_clicks_recent >= 2 or valence <= -0.3 or (agitated and text_valence <= -THRESHOLD):
        state = "frustrated"
        ranked = sorted((s for s in signals if s.valence < 0), key=lambda s: s.valence)
    elif b.purchased or (b.checkout_step or 0) >= 3 or valence >= 0.7:
        state = "excited"
        ranked = sorted((s for s in signals if s.valence > 0), key=lambda s: -s.valence)
    elif b.cart_flips >= 2 or b.variant_toggles >= 4 or b.toggled_products >= 3:
        state = "undecided"
        ranked = [s for s in signals if s.kind == "undecided"]
    elif valence >= 0.3:
        state = "happy"
        ranked = sorted((s for s in signals if s.valence > 0), key=lambda s: -s.valence)
    else:
        state = "neutral"
        ranked = []
        if b.idle:
            ranked.append(_Signal(0.0, "idle"))
        ranked += sorted(signals, key=lambda s: -abs(s.valence))
    reasons: list[str] = []
    for s in ranked:
        if s.reason not in reasons:
            reasons.append(s.reason)
    return MoodResult(state, round(valence, 3), reasons[:3], round(text_valence, 3))


@dataclass
class _Track:
    smoothed: float
    last_at: float
    armed: bool
    history: deque[tuple[float, float]]


class ShiftDetector:
    """Flags once when a subject's (visit's or customer's) mood turns negative.

    Per subject the valence is smoothed with an exponential moving average whose weight for a new
    observation is ``max(0.5, 1 - 0.5 ** (dt / half_life))``: back-to-back observations are
    averaged 50/50 (one outlier cannot fire on its own), an observation after a long gap mostly
    replaces the old mood. A subject starts armed from a neutral 0.0, so a first observation
    of -0.6 or lower (smoothed to -0.3) already counts as a turn.

    ``observe`` returns True when the subject is armed and the smoothed valence

    * falls to <= -0.3 (``low``), or
    * is below the neutral band (< -0.05) and has dropped by >= 0.5 (``drop``) below its average
      over the last 10 minutes (``window``). The average rather than the peak, so that noisy but
      steady valence (peaks and dips of +-0.3) does not count as a drop.

    It then disarms (hysteresis) and re-arms only once the smoothed valence is back at >= -0.05
    (``rearm``), so a shopper hovering around -0.3 is reported once, not on every observation.
    Observations may arrive out of order by a little; an older ``at`` counts as dt = 0.
    """

    def __init__(
        self,
        low: float = -0.3,
        rearm: float = -0.05,
        drop: float = 0.5,
        window: float = 600.0,
        half_life: float = 120.0,
    ) -> None:
        self.low, self.rearm, self.drop = low, rearm, drop
        self.window, self.half_life = window, half_life
        self._tracks: dict[str, _Track] = {}

    def observe(self, subject_id: str, at: float, valence: float) -> bool:
        valence = max(-1.0, min(1.0, valence))
        track = self._tracks.get(subject_id)
        if track is None:
            track = _Track(0.0, at, True, deque([(at, 0.0)]))
            self._tracks[subject_id] = track
        dt = max(0.0, at - track.last_at)
        weight = max(0.5, 1.0 - 0.5 ** (dt / self.half_life))
        track.smoothed += weight * (valence - track.smoothed)
        track.last_at = max(track.last_at, at)
        track.history.append((track.last_at, track.smoothed))
        while track.history and track.history[0][0] < track.last_at - self.window:
            track.history.popleft()
        if not track.armed:
            if track.smoothed >= self.rearm:
                track.armed = True
            return False
        baseline = sum(v for _, v in track.history) / len(track.history)
        if track.smoothed <= self.low or (
            track.smoothed < self.rearm and baseline - track.smoothed >= self.drop
        ):
            track.armed = False
            return True
        return False

    def smoothed(self, subject_id: str) -> float | None:
        track = self._tracks.get(subject_id)
        return None if track is None else track.smoothed

    def forget(self, subject_id: str) -> None:
        """Drop a subject (visit ended); call it to keep memory bounded."""
        self._tracks.pop(subject_id, None)


def customer_mood_turned(current: str | None, earlier: Iterable[str | None]) -> bool:
    """Across channels a customer's contacts are hours or days apart, too sparse for the
    smoothing above: a negative contact is a turn when none of their recent ones (the caller
    picks the window, e.g. 30 days, any channel) was negative. Reported once, like the detector.
    """
    return current == "negative" and all(mood != "negative" for mood in earlier)
