from __future__ import annotations

import random

import pytest

from salon.insight.mood import Behaviour, ShiftDetector, mood
from salon.insight.sentiment import Sentiment, get_sentiment, label, reasons, score
from salon.insight.sentiment_eval import (
    UCI_FILES,
    binary_metrics,
    evaluate,
    load_labelled,
    load_retail,
    render_markdown,
)

NOW = 10_000.0


@pytest.mark.parametrize(
    ("text", "expected", "reason"),
    [
        ("This bag is gorgeous", "positive", "gorgeous"),
        ("way too expensive, total rip-off", "negative", "too expensive"),
        ("way too expensive, total rip-off", "negative", "rip-off"),
        ("my order still not delivered", "negative", "still not delivered"),
        ("The parcel NEVER ARRIVED", "negative", "never arrived"),
        ("perfect fit, love it", "positive", "perfect fit"),
        ("I can't wait to wear it", "positive", "can't wait"),
        ("it is not good", "negative", "not good"),
    ],
)
def test_known_sentences(text: str, expected: str, reason: str) -> None:
    assert label(text) == expected
    assert reason in reasons(text)


@pytest.mark.parametrize("text", ["size 38", "free shipping", "party dress red", ""])
def test_neutral(text: str) -> None:
    assert label(text) == "neutral"
    assert reasons(text) == []
    assert score(text) == 0.0


def test_plain_vader_misses_shop_language() -> None:
    plain = get_sentiment(retail=False)
    assert plain.label("my order still not delivered") == "neutral"
    assert plain.label("free shipping") == "positive"
    assert isinstance(get_sentiment(), Sentiment)
    assert get_sentiment() is get_sentiment()


def test_phrase_rewrite_is_whole_words() -> None:
    s = get_sentiment()
    assert s.rewrite("too expensive") == "too_expensive"
    assert s.rewrite("Rip-Off") == "rip_off"
    assert s.rewrite("latest chocolate") == "latest chocolate"
    assert label("latest chocolate") == "neutral"


def test_loaders() -> None:
    amazon, imdb = (load_labelled(p) for p in UCI_FILES.values())
    assert len(amazon) == len(imdb) == 1000
    assert sum(y for _, y in imdb) == 500
    assert any(t.startswith('" I love it') for t, _ in imdb)  # the stray quote is kept
    retail = load_retail()
    assert len([1 for _, y in retail if y != "neutral"]) >= 60


def test_binary_metrics() -> None:
    assert binary_metrics([1, 1, 0, 0], [1, 1, 0, 0]) == (1.0, 1.0)
    acc, f1 = binary_metrics([1, 1, 0, 0], [1, 1, 1, 1])
    assert acc == 0.5
    assert f1 == pytest.approx((2 / 3 + 0) / 2)


def test_evaluation() -> None:
    rows = {(r.dataset, r.model): r for r in evaluate()}
    assert rows[("amazon", "VADER")].accuracy == pytest.approx(0.845, abs=0.002)
    assert rows[("imdb", "VADER")].accuracy == pytest.approx(0.796, abs=0.002)
    for dataset in ("amazon", "imdb", "retail (ours)"):
        plain, ours = rows[(dataset, "VADER")], rows[(dataset, "VADER + retail")]
        assert ours.macro_f1 >= plain.macro_f1
    plain, ours = rows[("retail (ours)", "VADER")], rows[("retail (ours)", "VADER + retail")]
    assert ours.neutral_kept is not None and plain.neutral_kept is not None
    assert ours.neutral_kept > plain.neutral_kept
    assert "| retail (ours) | VADER + retail |" in render_markdown(list(rows.values()))


def test_angry_search_is_frustrated() -> None:
    result = mood(Behaviour(), [(NOW - 10, "way too expensive, total rip-off")], NOW)
    assert result.state == "frustrated"
    assert result.valence <= -0.3
    assert any("too expensive" in r or "rip-off" in r for r in result.reasons)
    assert result.reasons[0].startswith("typed '")


def test_old_angry_text_fades() -> None:
    fresh = mood(Behaviour(), [(NOW, "overpriced")], NOW)
    old = mood(Behaviour(), [(NOW - 3600, "overpriced")], NOW)
    assert fresh.state == "frustrated"
    assert old.state == "neutral"
    assert abs(old.valence) < 0.01


def test_neutral_searches_do_not_dilute() -> None:
    texts = [(NOW - 60, "my order still not delivered"), (NOW, "size 38"), (NOW, "black bag")]
    assert mood(Behaviour(), texts, NOW).state == "frustrated"


def test_rage_clicks_are_frustrated() -> None:
    result = mood(Behaviour(rage_clicks_recent=3), [], NOW)
    assert result.state == "frustrated"
    assert result.reasons[0] == "3 rage clicks"
    one = mood(Behaviour(rage_clicks_recent=1), [], NOW)
    assert one.state == "neutral"
    with_text = mood(Behaviour(rage_clicks_recent=1), [(NOW, "this is useless")], NOW)
    assert with_text.state == "frustrated"


def test_toggling_is_undecided() -> None:
    result = mood(Behaviour(variant_toggles=6, toggled_products=2), [], NOW)
    assert result.state == "undecided"
    assert result.reasons == ["toggled colours/sizes 6 times on 2 products"]
    flips = mood(Behaviour(cart_flips=2, cart_items=1), [], NOW)
    assert flips.state == "undecided"
    assert "added and removed items 2 times" in flips.reasons


def test_checkout_and_purchase_are_excited() -> None:
    checkout = mood(Behaviour(checkout_step=3, cart_items=2), [], NOW)
    assert checkout.state == "excited"
    assert checkout.reasons[0] == "at checkout step 3"
    bought = mood(Behaviour(purchased=True), [(NOW, "gorgeous")], NOW)
    assert bought.state == "excited"
    assert "just bought" in bought.reasons
    assert len(bought.reasons) <= 3


def test_happy_and_neutral() -> None:
    assert mood(Behaviour(), [(NOW, "This bag is gorgeous")], NOW).state == "happy"
    idle = mood(Behaviour(idle=True), [(NOW, "size 38")], NOW)
    assert idle.state == "neutral"
    assert idle.valence == 0.0
    assert idle.reasons == ["idle"]


def test_shift_detector_fires_once_on_negative_turn() -> None:
    det = ShiftDetector()
    fired = [det.observe("v1", t, 0.4) for t in range(0, 300, 30)]
    fired += [det.observe("v1", 300 + t, -0.7) for t in range(0, 300, 30)]
    fired += [det.observe("v1", 600 + t, -0.35 + 0.1 * (t % 2)) for t in range(0, 300, 10)]
    assert fired.count(True) == 1
    assert fired.index(True) >= 10
    # other subjects are independent; recovery re-arms
    assert det.observe("v2", 0, 0.2) is False
    assert any(det.observe("v1", 1000 + t, 0.3) for t in range(0, 100, 10)) is False
    assert det.observe("v1", 1200, -0.9) or det.observe("v1", 1210, -0.9)


def test_shift_detector_ignores_noise() -> None:
    rng = random.Random(7)
    det = ShiftDetector()
    fired = [det.observe("v", t * 15.0, rng.uniform(-0.2, 0.4)) for t in range(400)]
    # single outliers do not fire either
    fired.append(det.observe("v", 6000, -0.5))
    fired.append(det.observe("v", 6015, 0.2))
    assert not any(fired)


def test_shift_detector_drop_rule() -> None:
    det = ShiftDetector()
    for t in range(0, 200, 20):
        assert not det.observe("c", t, 0.8)
    results = [det.observe("c", 200 + t, -0.2) for t in range(0, 120, 20)]
    assert results.count(True) == 1
    assert (det.smoothed("c") or 0.0) > -0.3  # fired on the drop, not the low mark
    det.forget("c")
    assert det.smoothed("c") is None
