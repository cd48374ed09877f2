"""The budget a shopper stated in the chat, read from their own words.

Honest selling (docs/honest-selling.md) needs to know when an associate pushes a product far above
what the shopper said they can spend. We read only what the shopper wrote, and only amounts with a
budget cue ("budget", "under", "no more than", "between ... and ...", "moins de", "budget de")
or a currency next to a budget word, so sizes, order numbers and quantities ("size 38",
"order 10432", "2 bags") are never mistaken for a budget. A pure function: no I/O, easy to test.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

CURRENCY_WORDS: dict[str, str] = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "bucks": "USD",
    "£": "GBP",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "chf": "CHF",
    "francs": "CHF",
}
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}

_CURRENCY = r"(?:€|\$|£|eur(?:os?)?|usd|dollars?|bucks|gbp|pounds?|chf|francs)"
_NUMBER = r"\d{1,3}(?:[ ,.\u00a0\u202f']\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_AMOUNT = re.compile(
    rf"(?P<pre>{_CURRENCY})?\s?(?P<num>{_NUMBER})\s?(?P<k>k\b)?\s?(?P<post>{_CURRENCY}(?![a-z]))?",
    re.IGNORECASE,
)
# Words that, shortly before an amount, say "this is what I can spend".
_CUE_BEFORE = re.compile(
    r"\b(?:budget|under|below|less than|no more than|not more than|not over|max(?:imum)?|"
    r"up to|at most|around|about|roughly|approximately|between|spend|afford|cap|"
    r"moins de|pas plus de|au maximum|au plus|jusqu'à|jusqu’à|environ|autour de|entre|"
    r"dépenser|budget de|maxi)\b[^.!?\d]{0,25}$",
    re.IGNORECASE,
)
# ... or just after it: "500 € max", "400 tops", "300 or less".
_CUE_AFTER = re.compile(r"^\s*(?:max(?:imum)?|tops|or less|maxi|au maximum|au plus)\b", re.I)
# "between 200 and 400": the second amount belongs to the same statement.
_AND_BEFORE = re.compile(r"\b(?:and|et|to|à|-)\s*(?:€|\$|£)?\s?$", re.IGNORECASE)
_AND_AFTER = re.compile(r"^\s*(?:and|et|to|à)\b", re.IGNORECASE)
_BUDGET_WORD = re.compile(r"\b(?:budget|spend|dépenser|afford)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Budget:
    amount: float  # the most the shopper said they would spend
    currency: str | None  # ISO code when they named one
    phrase: str  # their words, for the associate

    def label(self, fallback_currency: str | None = None) -> str:
        return money(self.amount, self.currency or fallback_currency)


def money(amount: float, currency: str | None) -> str:
    """`€2,950`, `$1,000.50`, `1,200 CHF`: how the warning shows an amount."""
    text = f"{amount:,.0f}" if amount == int(amount) else f"{amount:,.2f}"
    if currency in SYMBOLS:
        return f"{SYMBOLS[currency]}{text}"
    return f"{text} {currency}" if currency else text


def _number(raw: str) -> float | None:
    """`1,000` `1 000` `1.000` `1,500.50` `49,90` -> a float; thousands vs decimals by shape."""
    digits = re.sub(r"[\s\u00a0\u202f']", "", raw)
    match = re.fullmatch(r"(\d+(?:[.,]\d{3})*)(?:[.,](\d{1,2}))?", digits)
    if not match:
        return None
    whole = re.sub(r"[.,]", "", match.group(1))
    cents = match.group(2) or ""
    try:
        return float(f"{whole}.{cents}" if cents else whole)
    except ValueError:
        return None


def parse_budget(text: str) -> Budget | None:
    """The highest amount the message states as a budget, or None when it states none."""
    found: list[tuple[float, str | None]] = []
    budget_word = bool(_BUDGET_WORD.search(text))
    for match in _AMOUNT.finditer(text):
        value = _number(match.group("num"))
        if value is None or value <= 0:
            continue
        if match.group("k"):
            value *= 1000
        currency_raw = match.group("pre") or match.group("post")
        currency = CURRENCY_WORDS.get(currency_raw.lower()) if currency_raw else None
        before = text[max(0, match.start() - 40) : match.start()]
        after = text[match.end() : match.end() + 20]
        if (
            not currency
            and re.match(r"^\s*[a-zA-Zà-ÿ]", after)
            and not _CUE_AFTER.match(after)
            and not _AND_AFTER.match(after)
        ):
            continue  # "2 bags", "38 in black": a quantity or a size, not money
        cued = bool(_CUE_BEFORE.search(before) or _CUE_AFTER.match(after))
        joined = bool(found) and bool(_AND_BEFORE.search(before))
        if cued or joined or (currency is not None and budget_word):
            found.append((value, currency))
    if not found:
        return None
    amount, currency = max(found, key=lambda pair: pair[0])
    currency = currency or next((c for _, c in found if c), None)
    return Budget(amount=amount, currency=currency, phrase=text.strip()[:200])


def stated_budget(messages: Iterable[str]) -> Budget | None:
    """The budget in the shopper's latest message that states one (shoppers revise it)."""
    latest: Budget | None = None
    for text in messages:
        budget = parse_budget(text)
        if budget is not None:
            latest = budget
    return latest
