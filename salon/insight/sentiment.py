"""Text sentiment for what shoppers type: VADER plus a small retail lexicon.

VADER (Hutto and Gilbert, ICWSM 2014) is a rule-based scorer that ships its lexicon inside the
``vaderSentiment`` package, so this works offline and needs no training. It does not know shop
talk: "overpriced", "rip-off" and "still not delivered" score 0, and catalogue words such as
"free", "gift", "party" or "clear" score as praise. We add

* ``RETAIL_LEXICON``: single words and multi-word phrases with valences on VADER's -4..4 scale;
* ``SHOP_NEUTRAL``: words VADER scores that are mostly product or shop vocabulary ("free
  shipping", "party dress", "slim fit", "gift for mum"), set to 0.

VADER's lexicon keys are single whitespace tokens, so a small pre-pass rewrites each phrase
(case-insensitive, words separated by spaces or hyphens) into one token such as
``too_expensive`` that is added to the lexicon. Tokens contain no apostrophes, so a rewritten
"hasn't arrived" does not act as a negation for the words after it. VADER's own rules (negation,
boosters such as "way"/"so", "but", capitals, exclamation marks) still apply around the tokens.

The evaluation against plain VADER is in :mod:`salon.insight.sentiment_eval`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Literal

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    NEGATE,
    SentimentIntensityAnalyzer,
    SentiText,
)

Label = Literal["negative", "neutral", "positive"]

#: VADER's usual cut-off for the compound score.
THRESHOLD = 0.05

#: Retail words and phrases with valences (-4..4, like VADER's lexicon). Words VADER already
#: knows are only listed where the shop sense is clearly stronger (e.g. "stunning").
RETAIL_LEXICON: dict[str, float] = {
    # price
    "overpriced": -2.2,
    "too expensive": -2.0,
    "so expensive": -1.6,
    "too pricey": -1.8,
    "pricey": -0.8,
    "rip-off": -2.8,
    "ripoff": -2.8,
    "rip off": -2.8,
    "ripped off": -2.8,
    "waste of money": -2.8,
    "not worth it": -2.0,
    "not worth the money": -2.2,
    "hidden fees": -2.0,
    "charged twice": -2.3,
    # delivery
    "still not delivered": -2.6,
    "not delivered": -2.0,
    "never delivered": -2.6,
    "never arrived": -2.6,
    "never received": -2.6,
    "not received": -2.0,
    "not arrived": -2.0,
    "hasn't arrived": -2.0,
    "haven't received": -2.0,
    "still waiting": -1.8,
    "where is my order": -1.8,
    "where is my parcel": -1.8,
    "where is my package": -1.8,
    "late": -1.0,
    "lost parcel": -2.0,
    "lost package": -2.0,
    "arrived late": -1.8,
    "arrived early": 2.0,
    "fast delivery": 2.0,
    "fast shipping": 2.0,
    "quick delivery": 2.0,
    "quick shipping": 2.0,
    # service
    "never replied": -2.2,
    "no reply": -1.8,
    "no response": -1.8,
    "nobody answers": -2.2,
    "unresponsive": -1.8,
    # returns and money back
    "refund": -1.2,
    "want a refund": -2.2,
    "money back": -1.5,
    "send it back": -1.5,
    "sending it back": -1.5,
    "returning it": -1.5,
    "cancel my order": -1.5,
    # condition and quality
    "broken": -2.3,
    "damaged": -2.2,
    "arrived damaged": -2.6,
    "arrived broken": -2.6,
    "faulty": -2.0,
    "defective": -2.2,
    "cracked": -1.6,
    "scratched": -1.5,
    "stained": -1.5,
    "ripped": -1.5,
    "torn": -1.5,
    "snapped": -1.5,
    "flimsy": -1.8,
    "junk": -2.3,
    "cheap-looking": -2.0,
    "looks cheap": -2.0,
    "cheaply made": -2.0,
    "poor quality": -2.2,
    "bad quality": -2.2,
    "fell apart": -2.3,
    "falls apart": -2.3,
    "not as described": -2.3,
    "not as pictured": -2.0,
    "nothing like the picture": -2.0,
    "nothing like the photo": -2.0,
    "wrong size": -1.5,
    "wrong item": -2.0,
    "doesn't fit": -1.5,
    "too small": -1.2,
    "too big": -1.2,
    "scam": -2.8,
    "disappointed": -2.2,
    "disappointing": -2.2,
    # praise
    "gorgeous": 3.0,
    "stunning": 2.8,
    "exquisite": 2.8,
    "beautiful": 2.9,
    "elegant": 2.3,
    "perfect fit": 3.0,
    "fits perfectly": 2.8,
    "fits well": 2.0,
    "great fit": 2.5,
    "true to size": 1.5,
    "love it": 3.2,
    "in love with": 2.8,
    "obsessed with": 2.0,
    "flawless": 2.6,
    "good value": 2.2,
    "great value": 2.8,
    "value for money": 1.8,
    "worth every penny": 3.0,
    "great deal": 2.5,
    "well made": 2.3,
    "well packed": 1.5,
    "high quality": 2.2,
    "good quality": 2.0,
    "great quality": 2.8,
    "looks expensive": 2.0,
    "sturdy": 1.5,
    "stylish": 2.0,
    "chic": 2.0,
    "cosy": 1.8,
    "cozy": 1.8,
    "comfy": 2.0,
    "can't wait": 2.2,
    "buy again": 2.0,
    "order again": 2.0,
    "highly recommend": 2.8,
    "better in person": 2.2,
}

#: Words VADER scores that in a shop are mostly catalogue or shop vocabulary.
SHOP_NEUTRAL: tuple[str, ...] = (
    "free",
    "gift",
    "party",
    "clear",
    "cut",
    "natural",
    "bold",
    "top",
    "fit",
    "help",
    "support",
    "please",
    "wish",
    "save",
)

_SEPARATOR = re.compile(r"[\s\-]+")


def _token(phrase: str) -> str:
    """Phrase to lexicon token: too expensive -> too_expensive, can't wait -> cant_wait."""
    words = [re.sub(r"[^a-z0-9]", "", w) for w in _SEPARATOR.split(phrase.lower())]
    return "_".join(w for w in words if w)


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = _SEPARATOR.split(phrase.lower())
    body = r"[\s\-]+".join(re.escape(w) for w in words).replace("'", "['’]?")
    return re.compile(rf"(?<![\w'\-]){body}(?![\w'\-])", re.IGNORECASE)


@dataclass(frozen=True)
class _Phrase:
    text: str
    token: str
    pattern: re.Pattern[str]


class Sentiment:
    """VADER with (``retail=True``, the default) or without the retail lexicon.

    ``score`` is VADER's compound score (-1..1); ``label`` uses VADER's usual cut-off of 0.05;
    ``reasons`` names the lexicon words or phrases that pushed the text to its label.
    """

    def __init__(self, retail: bool = True) -> None:
        self.retail = retail
        self._analyzer = SentimentIntensityAnalyzer()
        self._phrases: list[_Phrase] = []
        self._display: dict[str, str] = {}
        if retail:
            for word in SHOP_NEUTRAL:
                self._analyzer.lexicon[word] = 0.0
            for text, valence in RETAIL_LEXICON.items():
                if _SEPARATOR.search(text) or "'" in text:
                    token = _token(text)
                    self._phrases.append(_Phrase(text, token, _phrase_pattern(text)))
                else:
                    token = text
                self._analyzer.lexicon[token] = valence
                self._display[token] = text
            # Longest phrase first, so "still not delivered" wins over "not delivered".
            self._phrases.sort(key=lambda p: -len(p.text))

    def rewrite(self, text: str) -> str:
        """Replace retail phrases with their single lexicon tokens."""
        return self._rewrite(text)[0]

    def _rewrite(self, text: str) -> tuple[str, dict[str, str]]:
        typed: dict[str, str] = {}

        for phrase in self._phrases:
            token = phrase.token

            def sub(match: re.Match[str], token: str = token) -> str:
                typed.setdefault(token, " ".join(match.group(0).lower().split()))
                return token.upper() if match.group(0).isupper() else token

            text = phrase.pattern.sub(sub, text)
        return text, typed

    def score(self, text: str) -> float:
        """VADER compound score, -1 (very negative) .. 1 (very positive)."""
        scores = self._analyzer.polarity_scores(self.rewrite(text))
        return float(scores["compound"])

    def label(self, text: str) -> Label:
        compound = self.score(text)
        if compound >= THRESHOLD:
            return "positive"
        if compound <= -THRESHOLD:
            return "negative"
        return "neutral"

    def reasons(self, text: str) -> list[str]:
        """Lexicon words/phrases (as typed, lower case) behind a positive or negative label.

        Strongest first. A negated word is given with its negation ("not good"). Empty for a
        neutral text.
        """
        compound = self.score(text)
        if abs(compound) < THRESHOLD:
            return []
        sign = 1.0 if compound > 0 else -1.0
        rewritten, typed = self._rewrite(text)
        sentitext = SentiText(rewritten)
        words: list[str] = sentitext.words_and_emoticons
        found: list[tuple[float, str]] = []
        lexicon: dict[str, float] = self._analyzer.lexicon
        for i, item in enumerate(words):
            low = item.lower()
            if low in BOOSTER_DICT or low not in lexicon or lexicon[low] == 0.0:
                continue
            valence = float(self._analyzer.sentiment_valence(0, sentitext, item, i, [])[0])
            if valence * sign <= 0:
                continue
            shown = typed.get(low) or self._display.get(low, low)
            if lexicon[low] * valence < 0:  # flipped by a negation before it
                for j in range(i - 1, max(i - 4, -1), -1):
                    if words[j].lower() in NEGATE or "n't" in words[j].lower():
                        shown = " ".join([*(w.lower() for w in words[j:i]), shown])
                        break
            if all(shown != seen for _, seen in found):
                found.append((abs(valence), shown))
        found.sort(key=lambda f: -f[0])
        return [shown for _, shown in found]


_lock = threading.Lock()
_instances: dict[bool, Sentiment] = {}


def get_sentiment(retail: bool = True) -> Sentiment:
    """The shared analyzer (built once: loading VADER's lexicon takes ~50 ms)."""
    found = _instances.get(retail)
    if found is None:
        with _lock:
            found = _instances.get(retail)
            if found is None:
                found = Sentiment(retail=retail)
                _instances[retail] = found
    return found


def score(text: str) -> float:
    return get_sentiment().score(text)


def label(text: str) -> Label:
    return get_sentiment().label(text)


def reasons(text: str) -> list[str]:
    return get_sentiment().reasons(text)
