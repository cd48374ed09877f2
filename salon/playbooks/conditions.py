"""A playbook's trigger: a small expression tree that is data, checked before it is stored.

    {"all": [{"signal": "checkout_idle_seconds", "op": "gte", "value": 45},
             {"signal": "cart_value", "op": "gte", "value": 500},
             {"not": {"signal": "loyalty_tier", "op": "in", "value": ["platinum"]}}]}

Nodes are `all` / `any` (a list of nodes), `not` (one node) or a leaf comparing one live signal
with a constant. Every signal has a type, and each type its operators; text is compared with
`equals`, `contains` or `starts_with` (case-insensitive, bounded lengths), never with a regular
expression, and nothing is ever evaluated as code. The tree is bounded in depth and size, so a
stored trigger cannot make the engine slow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args

from salon.core.errors import ApiError
from salon.customers.models import CHANNELS
from salon.tracking.schemas import PageType

MAX_DEPTH = 5
MAX_NODES = 40
MAX_LIST = 20
MAX_TEXT = 200

MOODS = ("happy", "excited", "neutral", "undecided", "frustrated")
PAGE_TYPES: tuple[str, ...] = get_args(PageType)
LOYALTY_TIERS = ("none", "silver", "gold", "platinum")


@dataclass(frozen=True)
class Signal:
    kind: str  # number | bool | enum | text
    help: str
    choices: tuple[str, ...] = ()


SIGNALS: dict[str, Signal] = {
    "abandonment_moment": Signal(
        "bool", "the cart's abandonment risk just crossed the site's threshold"
    ),
    "abandonment_risk": Signal("number", "probability the cart is abandoned in this visit, 0-1"),
    "intent": Signal("number", "probability of a purchase in this visit, 0-1"),
    "cart_value": Signal("number", "cart value in the store's currency"),
    "cart_items": Signal("number", "items in the cart"),
    "mood": Signal("enum", "the shopper's mood", MOODS),
    "mood_turned_negative": Signal(
        "bool", "the mood just turned negative (in the visit, a chat, a call or an e-mail)"
    ),
    "checkout_step": Signal("number", "checkout step reached (0: not in checkout)"),
    "checkout_idle_seconds": Signal(
        "number", "seconds without activity on a checkout step, with a cart (0 otherwise)"
    ),
    "idle_seconds": Signal("number", "seconds since the shopper's last activity"),
    "returning_vip": Signal("bool", "a returning customer with a gold/platinum tier or high value"),
    "customer_identified": Signal("bool", "the visitor is a known customer"),
    "lifetime_value": Signal("number", "the customer's spend to date"),
    "loyalty_tier": Signal("enum", "the customer's loyalty tier", LOYALTY_TIERS),
    "page_type": Signal("enum", "the kind of page the shopper is on", PAGE_TYPES),
    "page_url": Signal("text", "the page's address"),
    "category": Signal("text", "categories of the products viewed in this visit"),
    "time_on_site": Signal("number", "seconds since the visit started"),
    "business_hours": Signal("bool", "the chat is inside the site's business hours"),
    "channel": Signal("enum", "where the latest contact came from", CHANNELS),
}

OPERATORS: dict[str, tuple[str, ...]] = {
    "number": ("lt", "lte", "gt", "gte", "eq", "ne", "between"),
    "bool": ("is",),
    "enum": ("eq", "ne", "in", "not_in"),
    "text": ("equals", "contains", "starts_with", "not_contains"),
}


def _bad(path: str, message: str) -> ApiError:
    return ApiError(422, "invalid_trigger", f"{path}: {message}", field=path)


def validate(tree: Any, path: str = "trigger") -> dict[str, Any]:
    """The tree, checked and normalised (enum and text values lower-cased); 422 names the node."""
    counter = [0]
    return _check(tree, path, 1, counter)


def _check(node: Any, path: str, depth: int, counter: list[int]) -> dict[str, Any]:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise _bad(path, f"a trigger has at most {MAX_NODES} nodes")
    if depth > MAX_DEPTH:
        raise _bad(path, f"a trigger nests at most {MAX_DEPTH} levels deep")
    if not isinstance(node, dict):
        raise _bad(path, "each node is an object: {all|any: [...]}, {not: ...} or a condition")
    if "all" in node or "any" in node:
        key = "all" if "all" in node else "any"
        if set(node) != {key}:
            raise _bad(path, f"'{key}' stands alone in its node")
        children = node[key]
        if not isinstance(children, list) or not children:
            raise _bad(f"{path}.{key}", "a non-empty list of nodes")
        if len(children) > MAX_LIST:
            raise _bad(f"{path}.{key}", f"at most {MAX_LIST} nodes in a list")
        return {
            key: [
                _check(child, f"{path}.{key}[{i}]", depth + 1, counter)
                for i, child in enumerate(children)
            ]
        }
    if "not" in node:
        if set(node) != {"not"}:
            raise _bad(path, "'not' stands alone in its node")
        return {"not": _check(node["not"], f"{path}.not", depth + 1, counter)}
    return _check_leaf(node, path)


def _check_leaf(node: dict[str, Any], path: str) -> dict[str, Any]:
    unknown = set(node) - {"signal", "op", "value"}
    if unknown:
        raise _bad(path, f"unknown key {sorted(unknown)[0]!r}; a condition has signal, op, value")
    name = node.get("signal")
    if not isinstance(name, str) or name not in SIGNALS:
        raise _bad(f"{path}.signal", f"unknown signal {name!r}; known: {', '.join(SIGNALS)}")
    signal = SIGNALS[name]
    op = node.get("op")
    allowed = OPERATORS[signal.kind]
    if op not in allowed:
        raise _bad(
            f"{path}.op",
            f"{op!r} is not an operator for {name} ({signal.kind}); use {', '.join(allowed)}",
        )
    if "value" not in node:
        raise _bad(f"{path}.value", "missing")
    value = _check_value(signal, str(op), node["value"], f"{path}.value")
    return {"signal": name, "op": op, "value": value}


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _bad(path, "a finite number")
    return float(value)


def _choice(signal: Signal, value: Any, path: str) -> str:
    if not isinstance(value, str) or value.lower() not in signal.choices:
        raise _bad(path, f"{value!r} is not one of {', '.join(signal.choices)}")
    return value.lower()


def _check_value(signal: Signal, op: str, value: Any, path: str) -> Any:
    if signal.kind == "number":
        if op == "between":
            if not isinstance(value, list) or len(value) != 2:
                raise _bad(path, "between takes [low, high]")
            low, high = _number(value[0], f"{path}[0]"), _number(value[1], f"{path}[1]")
            if low > high:
                raise _bad(path, "low is above high")
            return [low, high]
        return _number(value, path)
    if signal.kind == "bool":
        if not isinstance(value, bool):
            raise _bad(path, "true or false")
        return value
    if signal.kind == "enum":
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not value or len(value) > MAX_LIST:
                raise _bad(path, f"a list of 1 to {MAX_LIST} values")
            return [_choice(signal, v, f"{path}[{i}]") for i, v in enumerate(value)]
        return _choice(signal, value, path)
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise _bad(path, f"text of 1 to {MAX_TEXT} characters")
    return value.lower()


def evaluate(tree: Mapping[str, Any], signals: Mapping[str, Any]) -> bool:
    """Does a validated tree hold for these signal values? A missing signal never matches."""
    if "all" in tree:
        return all(evaluate(child, signals) for child in tree["all"])
    if "any" in tree:
        return any(evaluate(child, signals) for child in tree["any"])
    if "not" in tree:
        return not evaluate(tree["not"], signals)
    actual = signals.get(tree["signal"])
    if actual is None:
        return False
    return _compare(SIGNALS[tree["signal"]].kind, tree["op"], actual, tree["value"])


def _compare(kind: str, op: str, actual: Any, value: Any) -> bool:
    if kind == "number":
        x = float(actual)
        if op == "between":
            return bool(value[0] <= x <= value[1])
        result: bool = {
            "lt": x < value,
            "lte": x <= value,
            "gt": x > value,
            "gte": x >= value,
            "eq": x == value,
            "ne": x != value,
        }[op]
        return result
    if kind == "bool":
        return bool(actual) is value
    if kind == "enum":
        text = str(actual).lower()
        found: bool = {
            "eq": text == value,
            "ne": text != value,
            "in": text in value,
            "not_in": text not in value,
        }[op]
        return found
    texts = actual if isinstance(actual, list | tuple) else [actual]
    lowered = [str(t).lower()[:2000] for t in texts]
    if op == "not_contains":
        return all(value not in t for t in lowered)
    if op == "equals":
        return value in lowered
    if op == "starts_with":
        return any(t.startswith(value) for t in lowered)
    return any(value in t for t in lowered)


def referenced(tree: Mapping[str, Any]) -> list[str]:
    """The signals a tree reads, in order of appearance (what a firing logs)."""
    if "all" in tree or "any" in tree:
        out: list[str] = []
        for child in tree.get("all", tree.get("any", [])):
            out.extend(s for s in referenced(child) if s not in out)
        return out
    if "not" in tree:
        return referenced(tree["not"])
    return [str(tree["signal"])]


_WORDS = {
    "lt": "<",
    "lte": "≤",
    "gt": ">",
    "gte": "≥",
    "eq": "=",
    "ne": "≠",
    "is": "is",
    "in": "in",
    "not_in": "not in",
    "equals": "is",
    "contains": "contains",
    "starts_with": "starts with",
    "not_contains": "does not contain",
    "between": "between",
}


def describe(tree: Mapping[str, Any]) -> str:
    """The trigger in words, for the console: 'cart_value ≥ 500 and checkout_idle_seconds ≥ 45'."""
    if "all" in tree or "any" in tree:
        key = "all" if "all" in tree else "any"
        joined = f" {'and' if key == 'all' else 'or'} ".join(describe(c) for c in tree[key])
        return f"({joined})" if len(tree[key]) > 1 else joined
    if "not" in tree:
        return f"not {describe(tree['not'])}"
    value = tree["value"]
    if isinstance(value, list):
        shown = " and ".join(_fmt(v) for v in value) if tree["op"] == "between" else str(value)
    else:
        shown = _fmt(value)
    return f"{tree['signal']} {_WORDS[tree['op']]} {shown}"


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
