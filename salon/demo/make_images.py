"""Generate the demo store's product images and colour-swatch styles.

Run once after changing the catalogue (`python -m salon.demo.make_images`); the output is
committed, so the demo never fetches anything at run time:

- `static/img/<product id>-<colour code>.svg`: an abstract silhouette of the product in each of
  its colours (one shape per product, drawn on an ivory ground);
- `static/swatches.css`: one `.sw-<colour code>` class per colour, because the storefront's
  Content-Security-Policy forbids inline `style` attributes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from salon.demo.store_data import COLOUR_CODES, PRODUCTS, Product, image_for

STATIC_DIR = Path(__file__).parent / "static"
IMAGE_DIR = STATIC_DIR / "img"

COLOUR_HEX: dict[str, str] = {
    "Black": "#1d1d1f",
    "Ivory": "#ece4d2",
    "Cognac": "#9a5a2c",
    "Burgundy": "#6b1f2e",
    "Navy": "#1f2b46",
    "Camel": "#c29a68",
    "Taupe": "#8b7b6a",
    "Blush": "#e3bfb5",
    "Forest": "#2e4a3a",
    "Emerald": "#1d5e48",
    "Gold": "#c9a24b",
    "Rose Gold": "#d19a84",
    "White Gold": "#d5d8dc",
    "Silver": "#bfc3c8",
    "Steel": "#9ea5ad",
}

METALLIC = {"Gold", "Rose Gold", "White Gold", "Silver", "Steel"}
BRASS = "#b8954a"
GROUND = "#f7f4ee"


def _mix(hex_colour: str, other: str, amount: float) -> str:
    """`hex_colour` moved `amount` (0..1) of the way towards `other`."""
    a = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * amount):02x}" for x, y in zip(a, b, strict=True))


def light(hex_colour: str, amount: float = 0.25) -> str:
    return _mix(hex_colour, "#ffffff", amount)


def dark(hex_colour: str, amount: float = 0.3) -> str:
    return _mix(hex_colour, "#000000", amount)


# --- handbags ---------------------------------------------------------------------------------


def tote(c: str) -> str:
    return (
        f'<path d="M150 205 C150 110 250 110 250 205" fill="none" stroke="{dark(c)}" '
        'stroke-width="11" stroke-linecap="round"/>'
        '<path d="M105 200 L295 200 L318 400 L82 400 Z" fill="url(#body)"/>'
        f'<path d="M105 200 L295 200 L298 224 L102 224 Z" fill="{dark(c, 0.15)}"/>'
        f'<rect x="142" y="198" width="16" height="14" rx="2" fill="{BRASS}"/>'
        f'<rect x="242" y="198" width="16" height="14" rx="2" fill="{BRASS}"/>'
    )


def shoulder_bag(c: str) -> str:
    return (
        f'<path d="M118 230 C120 70 280 70 282 230" fill="none" stroke="{dark(c)}" '
        'stroke-width="7"/>'
        '<rect x="100" y="220" width="200" height="170" rx="26" fill="url(#body)"/>'
        f'<path d="M100 246 Q100 220 126 220 L274 220 Q300 220 300 246 L300 300 '
        f'Q200 340 100 300 Z" fill="{dark(c, 0.18)}"/>'
        f'<circle cx="200" cy="318" r="11" fill="{BRASS}"/>'
        f'<circle cx="200" cy="318" r="5" fill="{dark(BRASS)}"/>'
    )


def clutch(c: str) -> str:
    return (
        f'<path d="M110 260 C110 150 290 150 290 260" fill="none" stroke="{BRASS}" '
        'stroke-width="5" stroke-dasharray="7 4"/>'
        '<rect x="80" y="250" width="240" height="120" rx="16" fill="url(#body)"/>'
        f'<path d="M80 266 Q80 250 96 250 L304 250 Q320 250 320 266 L200 322 Z" '
        f'fill="{dark(c, 0.2)}"/>'
        f'<rect x="190" y="314" width="20" height="12" rx="3" fill="{BRASS}"/>'
    )


def weekender(c: str) -> str:
    return (
        f'<path d="M140 230 C140 150 200 150 200 230" fill="none" stroke="{dark(c)}" '
        'stroke-width="10"/>'
        f'<path d="M200 230 C200 150 260 150 260 230" fill="none" stroke="{dark(c)}" '
        'stroke-width="10"/>'
        '<rect x="50" y="220" width="300" height="170" rx="60" fill="url(#body)"/>'
        f'<path d="M80 236 L320 236" stroke="{BRASS}" stroke-width="4"/>'
        f'<rect x="300" y="228" width="14" height="20" rx="3" fill="{BRASS}"/>'
        f'<path d="M110 390 L110 400 M290 390 L290 400" stroke="{dark(c, 0.5)}" '
        'stroke-width="8"/>'
    )


def card_holder(c: str) -> str:
    return (
        '<rect x="120" y="200" width="160" height="112" rx="10" fill="url(#body)" '
        'transform="rotate(-8 200 256)"/>'
        f'<g transform="rotate(-8 200 256)" stroke="{dark(c, 0.35)}" stroke-width="3">'
        '<path d="M132 228 H268 M132 248 H268 M132 268 H268"/></g>'
    )


def top_handle(c: str) -> str:
    scales = "".join(
        f'<rect x="{112 + 24 * col + (row % 2) * 12}" y="{262 + 22 * row}" width="20" '
        f'height="18" rx="4" fill="{dark(c, 0.22)}" opacity="0.5"/>'
        for row in range(5)
        for col in range(7)
    )
    return (
        f'<path d="M150 210 L160 140 Q200 120 240 140 L250 210" fill="none" '
        f'stroke="{dark(c, 0.15)}" stroke-width="16" stroke-linejoin="round"/>'
        '<path d="M110 210 L290 210 L310 390 L90 390 Z" fill="url(#body)"/>'
        + scales
        + f'<path d="M110 210 L290 210 L296 262 Q200 286 104 262 Z" fill="{dark(c, 0.12)}"/>'
        f'<rect x="188" y="266" width="24" height="26" rx="4" fill="{BRASS}"/>'
        f'<path d="M193 266 V256 Q200 248 207 256 V266" fill="none" stroke="{BRASS}" '
        'stroke-width="4"/>'
    )


# --- watches ----------------------------------------------------------------------------------


def _watch(c: str, radius: int, dial: str, bracelet: bool, extra: str = "") -> str:
    strap_fill = "url(#body)" if bracelet else "#2a2320"
    links = ""
    if bracelet:
        links = "".join(
            f'<path d="M168 {y} H232" stroke="{dark(c, 0.25)}" stroke-width="2"/>'
            for y in list(range(60, 240 - radius, 22)) + list(range(250 + radius, 430, 22))
        )
    ticks = "".join(
        f'<rect x="199" y="{240 - radius + 14}" width="3" height="10" fill="{dark(c, 0.1)}" '
        f'transform="rotate({angle} 200 240)"/>'
        for angle in range(0, 360, 30)
    )
    return (
        f'<rect x="168" y="40" width="64" height="400" rx="18" fill="{strap_fill}"/>'
        + links
        + f'<circle cx="200" cy="240" r="{radius + 8}" fill="{dark(c, 0.25)}"/>'
        f'<circle cx="200" cy="240" r="{radius + 4}" fill="url(#body)"/>'
        f'<rect x="{200 + radius + 2}" y="232" width="14" height="16" rx="3" fill="url(#body)"/>'
        f'<circle cx="200" cy="240" r="{radius - 6}" fill="{dial}"/>'
        + ticks
        + extra
        + f'<path d="M200 240 L200 {240 - radius + 26}" stroke="{dark(c, 0.45)}" '
        'stroke-width="4" stroke-linecap="round"/>'
        f'<path d="M200 240 L{200 + radius // 2} 252" stroke="{dark(c, 0.45)}" '
        'stroke-width="5" stroke-linecap="round"/>'
        f'<circle cx="200" cy="240" r="5" fill="{dark(c, 0.45)}"/>'
    )


def watch_bracelet(c: str) -> str:
    return _watch(c, 92, "#f4f1ea", bracelet=True)


def watch_moonphase(c: str) -> str:
    moon = (
        '<path d="M160 280 A40 40 0 0 1 240 280 Z" fill="#1b2a57"/>'
        f'<circle cx="200" cy="276" r="13" fill="{light(c, 0.4)}"/>'
        '<circle cx="172" cy="266" r="1.5" fill="#fff"/><circle cx="226" cy="262" r="1.5" '
        'fill="#fff"/>'
    )
    return _watch(c, 96, "#24336b", bracelet=False, extra=moon)


def watch_petite(c: str) -> str:
    sub = f'<circle cx="200" cy="270" r="14" fill="none" stroke="{dark(c, 0.2)}" stroke-width="2"/>'
    return _watch(c, 68, "#f3eee9", bracelet=False, extra=sub)


def watch_chrono(c: str) -> str:
    subs = "".join(
        f'<circle cx="{x}" cy="{y}" r="17" fill="#2b2f36" stroke="{light(c, 0.3)}" '
        'stroke-width="2"/>'
        for x, y in ((166, 240), (234, 240), (200, 278))
    )
    pushers = (
        f'<rect x="292" y="186" width="16" height="12" rx="3" fill="{dark(c, 0.1)}" '
        'transform="rotate(-35 300 192)"/>'
        f'<rect x="292" y="282" width="16" height="12" rx="3" fill="{dark(c, 0.1)}" '
        'transform="rotate(35 300 288)"/>'
    )
    return _watch(c, 100, "#15171b", bracelet=False, extra=subs + pushers)


def watch_dress(c: str) -> str:
    return _watch(c, 86, "#faf6ee", bracelet=False)


def strap(c: str) -> str:
    holes = "".join(
        f'<circle cx="200" cy="{y}" r="4" fill="{dark(c, 0.5)}"/>' for y in (300, 330, 360)
    )
    return (
        '<g transform="rotate(-12 200 240)">'
        '<rect x="170" y="60" width="60" height="150" rx="14" fill="url(#body)"/>'
        '<rect x="170" y="250" width="60" height="170" rx="28" fill="url(#body)"/>'
        f'<rect x="174" y="64" width="52" height="142" rx="11" fill="none" '
        f'stroke="{light(c, 0.35)}" stroke-width="2" stroke-dasharray="5 4"/>'
        f'<rect x="160" y="196" width="80" height="30" rx="8" fill="none" stroke="#b9bec4" '
        'stroke-width="7"/>' + holes + "</g>"
    )


# --- jewellery --------------------------------------------------------------------------------


def _star(cx: float, cy: float, r: float) -> str:
    points = []
    for i in range(12):
        radius = r if i % 2 == 0 else r * 0.45
        angle = math.pi / 6 * i - math.pi / 2
        points.append(f"{cx + radius * math.cos(angle):.1f},{cy + radius * math.sin(angle):.1f}")
    return " ".join(points)


def studs(c: str) -> str:
    return (
        f'<polygon points="{_star(150, 240, 52)}" fill="url(#body)"/>'
        f'<polygon points="{_star(260, 250, 52)}" fill="url(#body)"/>'
        '<circle cx="150" cy="240" r="9" fill="#ffffff" stroke="#dfe6ee" stroke-width="2"/>'
        '<circle cx="260" cy="250" r="9" fill="#ffffff" stroke="#dfe6ee" stroke-width="2"/>'
    )


def tennis_bracelet(c: str) -> str:
    stones = "".join(
        f'<circle cx="{200 + 130 * math.cos(a):.1f}" cy="{250 + 70 * math.sin(a):.1f}" r="8" '
        f'fill="#ffffff" stroke="{dark(c, 0.1)}" stroke-width="3"/>'
        for a in (2 * math.pi * i / 36 for i in range(36))
    )
    return (
        f'<ellipse cx="200" cy="250" rx="130" ry="70" fill="none" stroke="{dark(c, 0.1)}" '
        'stroke-width="14"/>' + stones
    )


def chain(c: str) -> str:
    return (
        f'<path d="M90 90 C90 300 310 300 310 90" fill="none" stroke="{c}" stroke-width="6" '
        'stroke-dasharray="9 4"/>'
        f'<path d="M90 90 C90 300 310 300 310 90" fill="none" stroke="{light(c, 0.4)}" '
        'stroke-width="2" stroke-dasharray="4 9"/>'
        f'<circle cx="200" cy="258" r="10" fill="none" stroke="{c}" stroke-width="4"/>'
    )


def ring(c: str) -> str:
    return (
        f'<ellipse cx="200" cy="290" rx="92" ry="84" fill="none" stroke="url(#body)" '
        'stroke-width="16"/>'
        f'<path d="M178 212 L222 212 L232 196 L168 196 Z" fill="{dark(c, 0.1)}"/>'
        '<polygon points="160,176 240,176 228,196 172,196" fill="#f2f7fb" stroke="#cfdbe6" '
        'stroke-width="2"/>'
        '<polygon points="172,160 228,160 240,176 160,176" fill="#ffffff" stroke="#cfdbe6" '
        'stroke-width="2"/>'
    )


def pearl_drops(c: str) -> str:
    pearls = ""
    for x in (150, 250):
        pearls += (
            f'<path d="M{x} 130 C{x - 24} 130 {x - 24} 170 {x} 180 L{x} 228" fill="none" '
            f'stroke="{c}" stroke-width="5"/>'
            f'<circle cx="{x}" cy="262" r="36" fill="url(#pearl)"/>'
        )
    return pearls


def cuff(c: str) -> str:
    twists = "".join(
        f'<path d="M{200 + 95 * math.cos(a):.1f} {330 - 95 * math.sin(a):.1f} '
        f'L{200 + 123 * math.cos(a + 0.12):.1f} {330 - 123 * math.sin(a + 0.12):.1f}" '
        f'stroke="{dark(c, 0.22)}" stroke-width="3" opacity="0.6"/>'
        for a in (math.pi * (i + 0.5) / 16 for i in range(16))
    )
    return (
        '<path d="M80 330 A120 120 0 0 1 320 330 L290 330 A90 90 0 0 0 110 330 Z" '
        'fill="url(#body)"/>' + twists
    )


def charm(c: str) -> str:
    return (
        f'<circle cx="200" cy="150" r="22" fill="none" stroke="{c}" stroke-width="6"/>'
        f'<circle cx="200" cy="260" r="88" fill="url(#body)"/>'
        f'<circle cx="200" cy="260" r="74" fill="none" stroke="{dark(c, 0.15)}" '
        'stroke-width="2"/>'
        f'<text x="200" y="292" text-anchor="middle" font-family="Georgia, serif" '
        f'font-size="96" fill="{dark(c, 0.3)}">A</text>'
    )


# --- outerwear --------------------------------------------------------------------------------


def _coat(c: str, hem: int, sleeves: bool = True, collar: str = "") -> str:
    sleeve = (
        (
            f'<path d="M128 110 L78 150 L58 {hem - 90} L92 {hem - 80} L124 190 Z" '
            f'fill="{dark(c, 0.12)}"/>'
            f'<path d="M272 110 L322 150 L342 {hem - 90} L308 {hem - 80} L276 190 Z" '
            f'fill="{dark(c, 0.12)}"/>'
        )
        if sleeves
        else ""
    )
    return (
        sleeve + f'<path d="M170 80 L128 108 L118 {hem} L282 {hem} L272 108 L230 80 '
        'Q200 100 170 80 Z" fill="url(#body)"/>'
        + collar
        + f'<path d="M200 100 L200 {hem}" stroke="{dark(c, 0.25)}" stroke-width="2"/>'
    )


def _lapels(c: str) -> str:
    return (
        f'<path d="M170 80 L200 170 L150 130 Z" fill="{dark(c, 0.2)}"/>'
        f'<path d="M230 80 L200 170 L250 130 Z" fill="{dark(c, 0.2)}"/>'
    )


def wrap_coat(c: str) -> str:
    return _coat(c, 430, collar=_lapels(c)) + (
        f'<rect x="118" y="238" width="164" height="16" fill="{dark(c, 0.18)}"/>'
        f'<path d="M196 252 L178 320 M204 252 L222 316" stroke="{dark(c, 0.18)}" '
        'stroke-width="12" stroke-linecap="round"/>'
    )


def trench(c: str) -> str:
    buttons = "".join(
        f'<circle cx="{x}" cy="{y}" r="5" fill="{dark(c, 0.45)}"/>'
        for x in (180, 220)
        for y in (160, 200, 290)
    )
    return (
        _coat(c, 420, collar=_lapels(c))
        + buttons
        + (
            f'<rect x="118" y="236" width="164" height="14" fill="{dark(c, 0.2)}"/>'
            f'<rect x="192" y="232" width="16" height="22" fill="none" stroke="{BRASS}" '
            'stroke-width="3"/>'
        )
    )


def aviator(c: str) -> str:
    collar = (
        '<path d="M160 76 L120 120 L170 170 L200 120 L230 170 L280 120 L240 76 Q200 96 160 76 Z" '
        'fill="#ece3d2"/>'
    )
    return _coat(c, 340, collar=collar) + (
        f'<rect x="118" y="322" width="164" height="18" fill="{dark(c, 0.25)}"/>'
    )


def gilet(c: str) -> str:
    quilting = "".join(
        f'<path d="M120 {y} L280 {y}" stroke="{dark(c, 0.3)}" stroke-width="2"/>'
        for y in range(130, 360, 30)
    )
    return _coat(c, 360, sleeves=False) + quilting


def rain_jacket(c: str) -> str:
    hood = f'<path d="M160 82 Q200 30 240 82 Q200 104 160 82 Z" fill="{dark(c, 0.2)}"/>'
    return _coat(c, 350, collar=hood) + (
        f'<path d="M140 270 L170 270 M230 270 L260 270" stroke="{dark(c, 0.35)}" stroke-width="3"/>'
    )


def evening_coat(c: str) -> str:
    flowers = "".join(
        f'<circle cx="{x}" cy="{y}" r="{r}" fill="none" stroke="{BRASS}" stroke-width="2"/>'
        for x, y, r in ((72, 300, 8), (84, 318, 6), (328, 300, 8), (316, 318, 6))
    )
    return _coat(c, 440, collar=_lapels(c)) + flowers


def gloves(c: str) -> str:
    def glove(x: int, tilt: int) -> str:
        fingers = "".join(
            f'<rect x="{x + 6 + i * 22}" y="120" width="19" height="90" rx="9" fill="url(#body)"/>'
            for i in range(4)
        )
        return (
            f'<g transform="rotate({tilt} {x + 50} 250)">{fingers}'
            f'<rect x="{x}" y="180" width="100" height="140" rx="30" fill="url(#body)"/>'
            f'<rect x="{x - 30}" y="220" width="40" height="22" rx="11" fill="url(#body)" '
            f'transform="rotate(-35 {x - 10} 231)"/>'
            f'<rect x="{x + 6}" y="310" width="88" height="40" rx="6" fill="{dark(c, 0.2)}"/>'
            "</g>"
        )

    return glove(80, -8) + glove(210, 8)


# --- shoes ------------------------------------------------------------------------------------


def pump(c: str) -> str:
    return (
        '<path d="M50 372 C48 358 72 348 112 337 C152 326 176 318 196 318 C232 300 276 240 '
        "300 222 L332 206 C342 216 342 236 340 254 L326 380 L316 380 L308 266 C262 302 "
        '204 360 162 374 C122 386 72 386 50 372 Z" fill="url(#body)"/>'
        f'<path d="M50 372 C72 386 122 386 162 374 C204 360 262 302 308 266" fill="none" '
        f'stroke="{dark(c, 0.4)}" stroke-width="5"/>'
    )


def _low_shoe(c: str, top: int) -> str:
    return (
        f'<path d="M40 360 C40 330 80 318 130 310 C170 304 190 {top} 230 {top - 4} '
        f"L330 {top - 12} C350 {top - 10} 356 330 354 366 L354 380 L60 380 C46 380 40 372 "
        '40 360 Z" fill="url(#body)"/>'
        f'<path d="M40 372 L354 372 L354 384 L52 384 Z" fill="{dark(c, 0.45)}"/>'
    )


def loafer(c: str) -> str:
    return _low_shoe(c, 292) + (
        f'<path d="M96 322 C120 290 190 288 214 306" fill="none" stroke="{dark(c, 0.3)}" '
        'stroke-width="3" stroke-dasharray="5 4"/>'
        f'<rect x="196" y="300" width="40" height="12" rx="4" fill="{dark(c, 0.2)}"/>'
    )


def chelsea(c: str) -> str:
    return (
        '<path d="M40 360 C40 328 90 316 140 306 C180 298 200 240 206 130 L320 130 '
        'C330 220 350 300 354 366 L354 380 L60 380 C46 380 40 372 40 360 Z" fill="url(#body)"/>'
        f'<path d="M236 132 L262 132 L276 270 L236 270 Z" fill="{dark(c, 0.35)}"/>'
        f'<path d="M40 372 L354 372 L354 386 L52 386 Z" fill="{dark(c, 0.5)}"/>'
        f'<rect x="310" y="112" width="14" height="30" rx="4" fill="{dark(c, 0.2)}"/>'
    )


def ballerina(c: str) -> str:
    return (
        '<path d="M50 362 C50 340 80 330 130 330 C190 330 250 322 300 318 C330 316 350 330 '
        '350 360 L350 378 L64 378 C54 378 50 372 50 362 Z" fill="url(#body)"/>'
        f'<path d="M50 372 L350 372 L350 382 L60 382 Z" fill="{dark(c, 0.4)}"/>'
        f'<path d="M118 328 L102 314 L102 342 Z M118 328 L134 314 L134 342 Z" '
        f'fill="{dark(c, 0.25)}"/><circle cx="118" cy="328" r="5" fill="{dark(c, 0.35)}"/>'
    )


def sneaker(c: str) -> str:
    sole = "#dcd6ca" if c in ("Ivory",) else "#f1ede4"
    colour = COLOUR_HEX["Ivory"] if c == "Ivory" else c
    laces = "".join(
        f'<path d="M{150 + i * 18} {306 - i * 6} l14 10" stroke="{dark(colour, 0.3)}" '
        'stroke-width="4" stroke-linecap="round"/>'
        for i in range(4)
    )
    return (
        '<path d="M40 350 C40 320 90 310 140 300 C180 292 200 250 240 246 L330 240 '
        'C350 246 356 300 356 340 L356 360 L50 360 Z" fill="url(#body)"/>'
        f'<rect x="36" y="350" width="324" height="34" rx="10" fill="{sole}" '
        f'stroke="{dark(sole, 0.15)}" stroke-width="2"/>' + laces
    )


def sandal(c: str) -> str:
    crystals = "".join(
        f'<circle cx="{x}" cy="{y}" r="4" fill="#ffffff" stroke="#d7dde5"/>'
        for x, y in ((110, 336), (130, 330), (150, 326), (250, 262), (268, 250), (286, 240))
    )
    return (
        f'<path d="M50 374 C90 384 140 382 180 366 C240 340 280 300 310 270 L340 264 '
        f"L344 278 L328 380 L318 380 L312 290 C270 330 220 380 160 388 C110 394 64 390 "
        f'50 380 Z" fill="{dark(c, 0.2)}"/>'
        f'<path d="M80 350 C110 316 160 316 180 352" fill="none" stroke="url(#body)" '
        'stroke-width="14"/>'
        f'<path d="M230 300 C250 250 300 230 330 246" fill="none" stroke="url(#body)" '
        'stroke-width="12"/>' + crystals
    )


def oxford(c: str) -> str:
    return _low_shoe(c, 286) + (
        f'<path d="M160 306 L236 290" stroke="{dark(c, 0.35)}" stroke-width="3"/>'
        f'<path d="M170 300 l10 10 M190 296 l10 10 M210 292 l10 10" stroke="{dark(c, 0.5)}" '
        'stroke-width="3"/>'
        f'<path d="M70 334 C110 316 150 312 170 312" fill="none" stroke="{light(c, 0.35)}" '
        'stroke-width="4" stroke-linecap="round" opacity="0.7"/>'
    )


#: Which silhouette each product gets.
SHAPES: dict[str, Callable[[str], str]] = {
    "P101": tote,
    "P102": shoulder_bag,
    "P103": clutch,
    "P104": weekender,
    "P105": card_holder,
    "P106": top_handle,
    "P201": watch_bracelet,
    "P202": watch_moonphase,
    "P203": watch_petite,
    "P204": watch_chrono,
    "P205": strap,
    "P206": watch_dress,
    "P301": studs,
    "P302": tennis_bracelet,
    "P303": chain,
    "P304": ring,
    "P305": pearl_drops,
    "P306": cuff,
    "P307": charm,
    "P401": wrap_coat,
    "P402": trench,
    "P403": aviator,
    "P404": gilet,
    "P405": rain_jacket,
    "P406": evening_coat,
    "P407": gloves,
    "P501": pump,
    "P502": loafer,
    "P503": chelsea,
    "P504": ballerina,
    "P505": sneaker,
    "P506": sandal,
    "P507": oxford,
}


def render(product: Product, colour: str) -> str:
    """One product in one colour, as a standalone SVG document."""
    base = COLOUR_HEX[colour]
    shape = SHAPES[product.product_id]
    highlight = light(base, 0.45 if colour in METALLIC else 0.18)
    shadow = dark(base, 0.2 if colour in METALLIC else 0.12)
    title = f"{product.name} in {colour}".replace("&", "&amp;").replace("<", "&lt;")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 480" width="400" height="480" '
        f'role="img" aria-label="{title}"><title>{title}</title>'
        "<defs>"
        f'<linearGradient id="body" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="{highlight}"/><stop offset="0.55" stop-color="{base}"/>'
        f'<stop offset="1" stop-color="{shadow}"/></linearGradient>'
        '<radialGradient id="pearl" cx="0.35" cy="0.35" r="0.7">'
        '<stop offset="0" stop-color="#ffffff"/><stop offset="0.6" stop-color="#f1ebe1"/>'
        '<stop offset="1" stop-color="#cfc4b3"/></radialGradient>'
        '<radialGradient id="ground" cx="0.5" cy="0.4" r="0.75">'
        f'<stop offset="0" stop-color="#fdfbf7"/><stop offset="1" stop-color="{GROUND}"/>'
        "</radialGradient></defs>"
        '<rect width="400" height="480" fill="url(#ground)"/>'
        '<ellipse cx="200" cy="412" rx="150" ry="14" fill="#000000" opacity="0.07"/>'
        f'<g transform="translate(0 10)">{shape(base)}</g></svg>\n'
    )


def swatches_css() -> str:
    lines = ["/* Generated by salon/demo/make_images.py: one class per catalogue colour. */"]
    for colour, code in COLOUR_CODES.items():
        base = COLOUR_HEX[colour]
        if colour in METALLIC:
            lines.append(
                f".sw-{code} {{ background: linear-gradient(135deg, {light(base, 0.5)}, {base} "
                f"55%, {dark(base, 0.2)}); }}"
            )
        else:
            lines.append(f".sw-{code} {{ background: {base}; }}")
    return "\n".join(lines) + "\n"


def main() -> None:
    IMAGE_DIR.mkdir(parents=True, exist_ok=True)
    expected = set()
    for product in PRODUCTS:
        for colour in product.colours:
            name = image_for(product, colour)
            expected.add(name)
            (IMAGE_DIR / name).write_text(render(product, colour), encoding="utf-8")
    for stale in IMAGE_DIR.glob("*.svg"):
        if stale.name not in expected:
            stale.unlink()
    (STATIC_DIR / "swatches.css").write_text(swatches_css(), encoding="utf-8")
    print(f"wrote {len(expected)} images to {IMAGE_DIR} and swatches.css")


if __name__ == "__main__":
    main()
