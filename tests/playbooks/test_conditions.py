"""Triggers are validated data: clear 422s for bad trees, right answers on crafted visits."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salon.core.errors import ApiError
from salon.floor.state import CartLine, VisitState
from salon.playbooks import conditions
from salon.playbooks.schemas import PlaybookIn
from salon.playbooks.signals import visit_signals

STALLED_CART = {
    "all": [
        {"signal": "checkout_idle_seconds", "op": "gte", "value": 45},
        {"signal": "cart_value", "op": "gte", "value": 500},
        {"not": {"signal": "loyalty_tier", "op": "in", "value": ["Platinum"]}},
    ]
}


def visit(**changes: Any) -> VisitState:
    now = time.time()
    state = VisitState(
        site_id="s", visit_id="v", visitor_id="x", started_at=now - 300, last_seen_at=now
    )
    for key, value in changes.items():
        setattr(state, key, value)
    return state


def signals_of(state: VisitState, now: float | None = None, **extra: Any) -> dict[str, Any]:
    return visit_signals(state, now or time.time(), vip_value=5000, business_hours=True, **extra)


def test_a_valid_tree_is_normalised_and_described() -> None:
    tree = conditions.validate(STALLED_CART)
    assert tree["all"][2]["not"]["value"] == ["platinum"]  # enum values are lower-cased
    assert tree["all"][0]["value"] == 45.0
    assert conditions.describe(tree) == (
        "(checkout_idle_seconds ≥ 45 and cart_value ≥ 500 and not loyalty_tier in ['platinum'])"
    )
    assert conditions.referenced(tree) == ["checkout_idle_seconds", "cart_value", "loyalty_tier"]


@pytest.mark.parametrize(
    ("tree", "field", "words"),
    [
        ({"signal": "cart_size", "op": "gt", "value": 1}, "trigger.signal", "unknown signal"),
        ({"signal": "cart_value", "op": "~=", "value": 1}, "trigger.op", "not an operator"),
        ({"signal": "cart_value", "op": "gt", "value": "lots"}, "trigger.value", "number"),
        ({"signal": "cart_value", "op": "gt", "value": float("nan")}, "trigger.value", "finite"),
        ({"signal": "mood", "op": "eq", "value": "furious"}, "trigger.value", "not one of"),
        ({"signal": "page_url", "op": "matches", "value": ".*"}, "trigger.op", "not an operator"),
        ({"signal": "page_url", "op": "contains", "value": "x" * 201}, "trigger.value", "200"),
        ({"signal": "intent", "op": "between", "value": [0.9, 0.1]}, "trigger.value", "low"),
        ({"signal": "intent", "op": "gt"}, "trigger.value", "missing"),
        ({"all": []}, "trigger.all", "non-empty"),
        ({"all": [{"signal": "intent", "op": "gt", "value": 1}], "any": []}, "trigger", "alone"),
        ({"any": [1]}, "trigger.any[0]", "object"),
        ({"signal": "intent", "op": "gt", "value": 1, "code": "x"}, "trigger", "unknown key"),
        ("__import__('os')", "trigger", "object"),
    ],
)
def test_bad_trees_are_refused_naming_the_node(tree: Any, field: str, words: str) -> None:
    with pytest.raises(ApiError) as caught:
        conditions.validate(tree)
    assert caught.value.status == 422
    assert caught.value.field == field
    assert words in caught.value.message


def test_trees_are_bounded_in_depth_and_size() -> None:
    leaf = {"signal": "intent", "op": "gt", "value": 0.5}
    deep: dict[str, Any] = leaf
    for _ in range(6):
        deep = {"not": deep}
    with pytest.raises(ApiError, match="levels deep"):
        conditions.validate(deep)
    wide = {"any": [{"all": [leaf] * 20}, {"all": [leaf] * 20}, {"all": [leaf] * 20}]}
    with pytest.raises(ApiError, match="at most 40 nodes"):
        conditions.validate(wide)


def test_the_stalled_cart_trigger_on_crafted_visits() -> None:
    tree = conditions.validate(STALLED_CART)
    now = time.time()
    cart = {("P1", None): CartLine("P1", None, "Tote", 650.0, 1)}
    stalled = visit(cart=cart, checkout_step=2, last_activity_at=now - 60, page_type="checkout")
    assert conditions.evaluate(tree, signals_of(stalled, now))
    busy = visit(cart=cart, checkout_step=2, last_activity_at=now - 5)
    assert not conditions.evaluate(tree, signals_of(busy, now))  # still typing
    small = visit(
        cart={("P2", None): CartLine("P2", None, "Card", 40.0, 1)},
        checkout_step=2,
        last_activity_at=now - 60,
    )
    assert not conditions.evaluate(tree, signals_of(small, now))
    browsing = visit(cart=cart, checkout_step=None, last_activity_at=now - 600)
    assert not conditions.evaluate(tree, signals_of(browsing, now))  # idle, but not in checkout
    platinum = visit(
        cart=cart,
        checkout_step=2,
        last_activity_at=now - 60,
        customer_id="c1",
        customer={"tier": "platinum", "lifetime_value": 20000, "orders": 12},
    )
    assert not conditions.evaluate(tree, signals_of(platinum, now))


def test_vip_mood_text_and_edges() -> None:
    vip = visit(customer_id="c1", customer={"tier": "gold", "lifetime_value": 800, "orders": 3})
    assert signals_of(vip)["returning_vip"] is True
    new = visit(customer_id="c2", customer={"tier": "gold", "lifetime_value": 0, "orders": 0})
    assert signals_of(new)["returning_vip"] is False
    tree = conditions.validate(
        {
            "any": [
                {"signal": "mood_turned_negative", "op": "is", "value": True},
                {"signal": "category", "op": "contains", "value": "HANDBAG"},
            ]
        }
    )
    assert conditions.evaluate(tree, signals_of(visit(), turned_negative=True))
    assert conditions.evaluate(tree, signals_of(visit(categories={"handbags"})))
    assert not conditions.evaluate(tree, signals_of(visit(categories={"shoes"})))
    url = conditions.validate({"signal": "page_url", "op": "starts_with", "value": "https://A"})
    assert conditions.evaluate(url, signals_of(visit(page_url="https://a.example/x")))
    missing = conditions.validate({"signal": "intent", "op": "lt", "value": 0.2})
    assert not conditions.evaluate(missing, signals_of(visit()))  # not scored yet: no match


def test_actions_are_checked_too() -> None:
    base = {"name": "x", "trigger": {"signal": "intent", "op": "gt", "value": 0.5}}
    with pytest.raises(ValueError, match="at most 50%"):
        PlaybookIn.model_validate(
            {**base, "actions": [{"type": "coupon", "kind": "percent", "min": 10, "max": 80}]}
        )
    with pytest.raises(ValueError, match="one invite or message"):
        PlaybookIn.model_validate(
            {
                **base,
                "actions": [
                    {"type": "invite", "message": "hi"},
                    {"type": "message", "message": "hello"},
                ],
            }
        )
    with pytest.raises(ValueError):
        PlaybookIn.model_validate({**base, "actions": [{"type": "eval", "code": "1"}]})


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["all", "any", "not", "signal", "op", "value", "x"]),
            children,
            max_size=4,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_is_either_refused_cleanly_or_evaluates(tree: Any) -> None:
    try:
        valid = conditions.validate(tree)
    except ApiError as exc:
        assert exc.status == 422 and exc.field and exc.field.startswith("trigger")
        return
    result = conditions.evaluate(valid, signals_of(visit()))
    assert isinstance(result, bool)
