"""The avatar rules on crafted visit states: each look has the behaviour that earns it."""

from __future__ import annotations

from salon.floor.avatar import FloorRules, avatar_spec, bag_size, visit_summary
from salon.floor.state import VisitState

RULES = FloorRules(stalled_checkout_seconds=90)
T0 = 1_700_000_000.0


def visit(**kwargs: object) -> VisitState:
    return VisitState(
        site_id="s", visit_id="v", visitor_id="abcd" * 8, started_at=T0, last_seen_at=T0, **kwargs
    )  # type: ignore[arg-type]


def add(state: VisitState, at: float, pid: str, price: float, qty: int = 1) -> None:
    state.apply(
        "add_to_cart",
        at,
        {"product_id": pid, "variant_id": None, "name": pid, "price": price, "quantity": qty},
    )


def test_bag_grows_with_the_cart() -> None:
    assert [bag_size(v, 1) for v in (0, 120, 800, 3900)] == [1, 1, 2, 3]
    assert bag_size(5000, 0) == 0


def test_a_fresh_visitor_is_neutral_with_nothing_carried() -> None:
    state = visit()
    state.apply("page_view", T0, {"url": "/", "title": "Home", "page_type": "home"})
    spec = avatar_spec(state, T0 + 5, RULES)
    assert spec["mood"] == "neutral" and spec["bag"] == 0
    assert not (spec["star"] or spec["hourglass"] or spec["gift"] or spec["ribbon"])


def test_rage_clicks_frown_and_then_fade() -> None:
    state = visit()
    state.apply("rage_click", T0, {"clicks": 5, "target": "button#size"})
    assert avatar_spec(state, T0 + 10, RULES)["mood"] == "frustrated"
    assert "rage click" in avatar_spec(state, T0 + 10, RULES)["reasons"][0]
    assert avatar_spec(state, T0 + 600, RULES)["mood"] == "neutral"


def test_add_remove_flip_flop_is_frustrated() -> None:
    state = visit()
    for n in range(2):
        add(state, T0 + n, "P1", 300)
        state.apply(
            "remove_from_cart",
            T0 + n + 0.5,
            {"product_id": "P1", "variant_id": None, "price": 300, "quantity": 1},
        )
    assert state.cart_items == 0
    assert avatar_spec(state, T0 + 5, RULES)["mood"] == "frustrated"


def test_toggling_variants_between_few_products_is_undecided() -> None:
    state = visit()
    for n, (pid, colour) in enumerate(
        [("P1", "Black"), ("P1", "Tan"), ("P2", "Black"), ("P1", "Black"), ("P2", "Navy")]
    ):
        state.apply(
            "variant_select", T0 + n, {"product_id": pid, "attribute": "colour", "value": colour}
        )
    assert avatar_spec(state, T0 + 10, RULES)["mood"] == "undecided"


def test_stalled_checkout_with_a_cart_shows_the_hourglass_after_the_threshold() -> None:
    state = visit()
    add(state, T0, "P1", 2400)
    state.apply(
        "page_view", T0 + 1, {"url": "/checkout", "title": "Checkout", "page_type": "checkout"}
    )
    state.apply("checkout_step", T0 + 2, {"step": 2, "name": "shipping"})
    state.apply("heartbeat", T0 + 60, {})
    assert avatar_spec(state, T0 + 60, RULES)["hourglass"] is False
    spec = avatar_spec(state, T0 + 2 + 91, RULES)
    assert spec["hourglass"] is True and "stalled" in spec["tags"]
    assert visit_summary(state, T0 + 93, RULES)["stalled"] is True


def test_purchase_empties_the_bag_and_excites() -> None:
    state = visit()
    add(state, T0, "P1", 900)
    state.apply("purchase", T0 + 30, {"order_id": "MA-1", "total": 900, "currency": "EUR"})
    spec = avatar_spec(state, T0 + 31, RULES)
    assert spec["mood"] == "excited" and spec["bag"] == 0 and spec["hourglass"] is False


def test_loyal_big_spender_gets_ribbon_star_and_vip() -> None:
    state = visit(
        is_returning=True,
        customer_id="c1",
        customer={
            "id": "C1",
            "name": "Ada",
            "tier": "platinum",
            "lifetime_value": 18_000.0,
            "orders": 6,
        },
    )
    summary = visit_summary(state, T0 + 1, RULES)
    assert summary["label"] == "Ada" and summary["identified"] is True
    assert summary["avatar"]["ribbon"] == "platinum" and summary["avatar"]["star"] is True
    assert "VIP" in summary["avatar"]["badges"] and summary["high_value"] is True


def test_gift_searches_put_a_gift_box_on() -> None:
    state = visit()
    state.apply("search", T0, {"query": "Anniversary present for my wife"})
    assert avatar_spec(state, T0 + 1, RULES)["gift"] is True


def test_attention_puts_stalled_big_carts_above_browsers() -> None:
    browsing = visit()
    browsing.apply("page_view", T0, {"url": "/", "title": "Home", "page_type": "home"})
    stalled = visit()
    add(stalled, T0, "P1", 3000)
    stalled.apply("checkout_step", T0 + 1, {"step": 3, "name": "payment"})
    now = T0 + 200
    assert (
        visit_summary(stalled, now, RULES)["attention"]
        > visit_summary(browsing, now, RULES)["attention"]
    )


def test_fast_erratic_pointer_reads_as_frustrated_and_is_reported() -> None:
    state = visit()
    for n, speed in enumerate((2600.0, 3100.0, 2900.0)):
        state.apply("pointer_speed", T0 + n, {"speed": speed})
    summary = visit_summary(state, T0 + 5, RULES)
    assert summary["pointer_speed"] == 2867
    assert summary["avatar"]["mood"] == "frustrated"
    assert "pointer" in summary["avatar"]["reasons"][0]
