"""Charts drawn on the server as SVG: bars (with interval whiskers), lines and a heat-map.

No charting library and no CDN: a few shapes and text. Every label is escaped for XML (names,
topic labels and anything else a visitor or an associate typed stay text), and the SVG holds no
script, link or style attribute, so the console can insert it and an <img> can show it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

WIDTH = 640
PALETTE = ("#3d5a80", "#ee6c4d", "#98c1d9", "#293241", "#6a994e", "#bc4749")


def _t(value: object) -> str:
    return escape(str(value), quote=True)


def _svg(title: str, height: int, body: list[str], kind: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{_t(kind)}" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'aria-label="{_t(title)}" font-family="sans-serif" font-size="12">'
        f"<title>{_t(title)}</title>"
        f'<text x="8" y="18" font-size="14" font-weight="bold">{_t(title)}</text>'
        + "".join(body)
        + "</svg>"
    )


def empty(title: str, kind: str = "empty") -> str:
    return _svg(
        title,
        80,
        ['<text class="chart-empty" x="8" y="52" fill="#666">No data in this range</text>'],
        kind,
    )


def bars(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    fmt: str = "{:,.0f}",
    intervals: Sequence[tuple[float, float] | None] | None = None,
) -> str:
    """Horizontal bars from zero (negative values go left of it), optional 95% whiskers."""
    if not labels or all(v is None for v in values):
        return empty(title, "bars")
    points = [v for v in values if v is not None]
    for pair in intervals or ():
        if pair is not None:
            points.extend(pair)
    low, high = min(0.0, *points), max(0.0, *points)
    span = (high - low) or 1.0
    left, right, row = 190, WIDTH - 80, 26
    scale = (right - left) / span
    zero = left + (0 - low) * scale
    body = [
        f'<line x1="{zero:.1f}" y1="28" x2="{zero:.1f}" y2="{30 + row * len(labels)}" '
        'stroke="#999"/>'
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 34 + i * row
        body.append(f'<text x="8" y="{y + 13}">{_t(label[:30])}</text>')
        if value is None:
            body.append(f'<text x="{left}" y="{y + 13}" fill="#666">no data</text>')
            continue
        x0, x1 = sorted((zero, left + (value - low) * scale))
        colour = PALETTE[i % len(PALETTE)]
        body.append(
            f'<rect class="bar" x="{x0:.1f}" y="{y}" width="{max(1.0, x1 - x0):.1f}" '
            f'height="{row - 8}" fill="{colour}">'
            f"<title>{_t(label)}: {_t(fmt.format(value))}</title></rect>"
        )
        pair = intervals[i] if intervals else None
        if pair is not None:
            a, b = (left + (p - low) * scale for p in pair)
            mid = y + (row - 8) / 2
            body.append(
                f'<path class="interval" d="M{a:.1f} {mid - 5:.1f}v10M{a:.1f} {mid:.1f}H{b:.1f}'
                f'M{b:.1f} {mid - 5:.1f}v10" stroke="#111" stroke-width="1.5" fill="none"/>'
            )
        body.append(f'<text x="{right + 6}" y="{y + 13}">{_t(fmt.format(value))}</text>')
    return _svg(title, 40 + row * len(labels), body, "bars")


def lines(
    title: str,
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    fmt: str = "{:,.1f}",
) -> str:
    """One polyline per series over shared x labels (weeks); gaps where a value is missing."""
    values = [v for s in series.values() for v in s if v is not None]
    if not x_labels or not values:
        return empty(title, "lines")
    low, high = min(0.0, *values), max(values)
    span = (high - low) or 1.0
    left, right, top, bottom = 50, WIDTH - 20, 40, 200
    step = (right - left) / max(1, len(x_labels) - 1)
    body = [
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#999"/>',
        f'<text x="4" y="{top + 4}">{_t(fmt.format(high))}</text>',
        f'<text x="4" y="{bottom}">{_t(fmt.format(low))}</text>',
    ]
    for i, label in enumerate(x_labels):
        if len(x_labels) <= 12 or i % max(1, len(x_labels) // 8) == 0:
            body.append(
                f'<text x="{left + i * step:.1f}" y="{bottom + 16}" font-size="10" '
                f'text-anchor="middle">{_t(label)}</text>'
            )
    for n, (name, points) in enumerate(series.items()):
        colour = PALETTE[n % len(PALETTE)]
        path, pen = [], "M"
        for i, value in enumerate(points):
            if value is None:
                pen = "M"
                continue
            x = left + i * step
            y = bottom - (value - low) / span * (bottom - top)
            path.append(f"{pen}{x:.1f} {y:.1f}")
            pen = "L"
            body.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{_t(name)} {_t(x_labels[i])}: {_t(fmt.format(value))}</title></circle>"
            )
        if path:
            body.append(
                f'<path class="line" d="{"".join(path)}" stroke="{colour}" '
                'stroke-width="2" fill="none"/>'
            )
        body.append(
            f'<text x="{left + 10 + n * 150}" y="{bottom + 34}" fill="{colour}">'
            f"{_t(name[:24])}</text>"
        )
    return _svg(title, bottom + 44, body, "lines")


def heat(title: str, row_labels: Sequence[str], cells: Sequence[Sequence[int]]) -> str:
    """Rows (weekdays) by 24 hours; darker is more."""
    peak = max((v for row in cells for v in row), default=0)
    if not peak:
        return empty(title, "heatmap")
    left, top, size = 44, 34, 24
    body = []
    for h in range(24):
        if h % 3 == 0:
            body.append(
                f'<text x="{left + h * size + 4}" y="{top - 4}" font-size="10">{h:02d}</text>'
            )
    for d, (label, row) in enumerate(zip(row_labels, cells, strict=True)):
        y = top + d * size
        body.append(f'<text x="6" y="{y + 16}">{_t(label)}</text>')
        for h, value in enumerate(row):
            shade = 0.06 + 0.94 * value / peak if value else 0.0
            body.append(
                f'<rect class="cell" x="{left + h * size}" y="{y}" width="{size - 2}" '
                f'height="{size - 2}" fill="#3d5a80" fill-opacity="{shade:.2f}" stroke="#ddd">'
                f"<title>{_t(label)} {h:02d}:00: {value}</title></rect>"
            )
    return _svg(title, top + size * len(row_labels) + 10, body, "heatmap")
