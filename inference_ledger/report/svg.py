"""Small inline SVG charts, so the report is one file with no scripts or external assets.

Each chart scales to its container (viewBox), carries a <title> for screen readers and
draws threshold bands where a metric has them, so "is this bad?" is visible at a glance.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

STATUS_COLORS = {
    "healthy": "#2e7d32",
    "warning": "#f0a400",
    "critical": "#c62828",
    "unknown": "#9e9e9e",
}
SERIES_COLORS = ("#3b6ea8", "#e07b39", "#7b4fa0", "#2a9d8f")
ZONE_FILL = {"warning": "#fff4d6", "critical": "#fde2e1"}
FONT = "font-family:system-ui,sans-serif;font-size:11px;fill:#444"

Formatter = Callable[[float], str]


@dataclass(frozen=True)
class Bands:
    """Warning and critical thresholds; `higher_is_worse` says which side is bad."""

    warning: float | None
    critical: float | None
    higher_is_worse: bool = True

    def status(self, value: float | None) -> str:
        if value is None:
            return "unknown"
        worse = (lambda v, t: v > t) if self.higher_is_worse else (lambda v, t: v < t)
        if self.critical is not None and worse(value, self.critical):
            return "critical"
        if self.warning is not None and worse(value, self.warning):
            return "warning"
        return "healthy"


def percent(value: float) -> str:
    return f"{value * 100:.3g}%"


def plain(value: float) -> str:
    return f"{value:,.4g}"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _thresholds(bands: Bands | None) -> list[float]:
    return [t for t in (bands.warning, bands.critical) if t is not None] if bands else []


def _open(kind: str, name: str, title: str, width: int, height: int) -> list[str]:
    return [
        f'<svg class="chart" data-chart="{escape(name)}" data-kind="{kind}" role="img" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]


def _y_axis(
    parts: list[str], top: float, x0: float, x1: float, y0: float, y1: float, fmt: Formatter
) -> None:
    for i in range(5):
        value = top * i / 4
        y = y0 - (y0 - y1) * i / 4
        parts.append(
            f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#e6e6e6"/>'
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" style="{FONT}">'
            f"{escape(fmt(value))}</text>"
        )


def _zones(
    parts: list[str], bands: Bands | None, top: float, x0: float, x1: float, y0: float, y1: float
) -> None:
    """Shade the warning and critical ranges behind the data."""
    if not bands:
        return

    def y_of(v: float) -> float:
        return y0 - (y0 - y1) * min(max(v / top, 0), 1)

    edges = [(bands.warning, "warning"), (bands.critical, "critical")]
    for threshold, zone in edges:
        if threshold is None:
            continue
        other = bands.critical if zone == "warning" else None
        if bands.higher_is_worse:
            lo, hi = threshold, (other if other is not None else top)
        else:
            lo, hi = (other if other is not None else 0.0), threshold
        ya, yb = y_of(hi), y_of(lo)
        if yb > ya:
            parts.append(
                f'<rect class="zone zone-{zone}" x="{x0}" y="{ya:.1f}" width="{x1 - x0}" '
                f'height="{yb - ya:.1f}" fill="{ZONE_FILL[zone]}"/>'
            )


def line_chart(
    name: str,
    title: str,
    points: Sequence[tuple[str, float | None]],
    fmt: Formatter = plain,
    bands: Bands | None = None,
    width: int = 680,
    height: int = 230,
) -> str:
    """A line over labelled points (None leaves a gap); x labels thinned to fit."""
    values = [v for _, v in points if v is not None]
    if not values:
        return ""
    x0, x1, y1, y0 = 56.0, width - 12.0, 14.0, height - 32.0
    limits = [max(values), *_thresholds(bands)]
    top = _nice_max(max(limits) * 1.08)
    parts = _open("line", name, title, width, height)
    _zones(parts, bands, top, x0, x1, y0, y1)
    _y_axis(parts, top, x0, x1, y0, y1, fmt)
    step = (x1 - x0) / max(len(points) - 1, 1)
    segments: list[list[tuple[float, float]]] = [[]]
    for i, (_, value) in enumerate(points):
        if value is None:
            segments.append([])
            continue
        segments[-1].append((x0 + i * step, y0 - (y0 - y1) * value / top))
    for seg in (s for s in segments if s):
        d = " ".join(f"{'M' if j == 0 else 'L'}{x:.1f},{y:.1f}" for j, (x, y) in enumerate(seg))
        parts.append(f'<path d="{d}" fill="none" stroke="{SERIES_COLORS[0]}" stroke-width="2"/>')
        for x, y in seg:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.2" fill="{SERIES_COLORS[0]}"/>')
    every = max(1, math.ceil(len(points) / 8))
    last = len(points) - 1
    for i, (label, _) in enumerate(points):
        # Thinned labels, always the last one, never two overlapping at the end.
        if (i % every == 0 and last - i >= every / 2) or i == last:
            anchor = "end" if i == last and last > 0 else "middle"
            parts.append(
                f'<text x="{x0 + i * step:.1f}" y="{height - 12}" text-anchor="{anchor}" '
                f'style="{FONT}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    name: str,
    title: str,
    points: Sequence[tuple[str, float | None]],
    fmt: Formatter = plain,
    bands: Bands | None = None,
    width: int = 680,
    height: int = 230,
) -> str:
    """Vertical bars coloured by band status (neutral blue without bands)."""
    values = [v for _, v in points if v is not None]
    if not values:
        return ""
    x0, x1, y1, y0 = 56.0, width - 12.0, 14.0, height - 32.0
    limits = [max(values), *_thresholds(bands)]
    top = _nice_max(max(limits) * 1.08)
    parts = _open("bar", name, title, width, height)
    _zones(parts, bands, top, x0, x1, y0, y1)
    _y_axis(parts, top, x0, x1, y0, y1, fmt)
    slot = (x1 - x0) / len(points)
    for i, (label, value) in enumerate(points):
        cx = x0 + slot * (i + 0.5)
        if value is not None:
            status = bands.status(value) if bands else None
            color = STATUS_COLORS[status] if status else SERIES_COLORS[0]
            h = (y0 - y1) * value / top
            parts.append(
                f'<rect class="bar" data-status="{status or ""}" x="{cx - slot * 0.3:.1f}" '
                f'y="{y0 - h:.1f}" width="{slot * 0.6:.1f}" height="{h:.1f}" fill="{color}">'
                f"<title>{escape(label)}: {escape(fmt(value))}</title></rect>"
                f'<text x="{cx:.1f}" y="{y0 - h - 4:.1f}" text-anchor="middle" '
                f'style="{FONT}">{escape(fmt(value))}</text>'
            )
        parts.append(
            f'<text x="{cx:.1f}" y="{height - 12}" text-anchor="middle" style="{FONT}">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def hbar_chart(
    name: str,
    title: str,
    items: Sequence[tuple[str, float, str | None]],
    fmt: Formatter = plain,
    width: int = 680,
    label_width: int = 150,
) -> str:
    """Horizontal bars: (label, value, status or None) per row, largest scale first."""
    if not items:
        return ""
    row = 26
    height = row * len(items) + 12
    top = _nice_max(max(v for _, v, _ in items) * 1.05)
    x0, x1 = float(label_width), width - 70.0
    parts = _open("hbar", name, title, width, height)
    for i, (label, value, status) in enumerate(items):
        y = 6 + i * row
        w = (x1 - x0) * max(value, 0) / top
        color = STATUS_COLORS.get(status or "", SERIES_COLORS[0])
        parts.append(
            f'<text x="{x0 - 8}" y="{y + 16}" text-anchor="end" style="{FONT}">'
            f"{escape(label)}</text>"
            f'<rect class="bar" data-status="{status or ""}" x="{x0}" y="{y + 3}" '
            f'width="{w:.1f}" height="{row - 8}" fill="{color}" rx="2"/>'
            f'<text x="{x0 + w + 6:.1f}" y="{y + 16}" style="{FONT}">{escape(fmt(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def grouped_bar_chart(
    name: str,
    title: str,
    categories: Sequence[str],
    series: dict[str, Sequence[float | None]],
    fmt: Formatter = plain,
    bands: Bands | None = None,
    width: int = 680,
    height: int = 240,
) -> str:
    """Several series side by side per category, with a legend."""
    values = [v for vs in series.values() for v in vs if v is not None]
    if not categories or not values:
        return ""
    x0, x1, y1, y0 = 56.0, width - 12.0, 26.0, height - 32.0
    limits = [max(values), *_thresholds(bands)]
    top = _nice_max(max(limits) * 1.08)
    parts = _open("grouped", name, title, width, height)
    _zones(parts, bands, top, x0, x1, y0, y1)
    _y_axis(parts, top, x0, x1, y0, y1, fmt)
    slot = (x1 - x0) / len(categories)
    bar = slot * 0.7 / len(series)
    for s, (label, color) in enumerate(zip(series, SERIES_COLORS, strict=False)):
        lx = x0 + s * 90
        parts.append(
            f'<rect x="{lx}" y="4" width="10" height="10" fill="{color}"/>'
            f'<text x="{lx + 14}" y="13" style="{FONT}">{escape(label)}</text>'
        )
    for i, category in enumerate(categories):
        start = x0 + slot * i + slot * 0.15
        for s, (label, vs) in enumerate(series.items()):
            value = vs[i]
            if value is None:
                continue
            h = (y0 - y1) * value / top
            parts.append(
                f'<rect class="bar" x="{start + s * bar:.1f}" y="{y0 - h:.1f}" '
                f'width="{bar * 0.9:.1f}" height="{h:.1f}" '
                f'fill="{SERIES_COLORS[s % len(SERIES_COLORS)]}">'
                f"<title>{escape(category)} {escape(label)}: {escape(fmt(value))}</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + slot * (i + 0.5):.1f}" y="{height - 12}" text-anchor="middle" '
            f'style="{FONT}">{escape(category)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def traffic_light(status: str) -> str:
    """Three stacked lamps with the one for `status` lit (grey when unknown)."""
    lamps = []
    for i, lamp in enumerate(("critical", "warning", "healthy")):
        lit = lamp == status
        fill = STATUS_COLORS[lamp] if lit else "#d9d9d9"
        lamps.append(
            f'<circle class="lamp{" lit" if lit else ""}" data-lamp="{lamp}" cx="14" '
            f'cy="{14 + i * 24}" r="9" fill="{fill}"/>'
        )
    return (
        f'<svg class="light" data-status="{escape(status)}" role="img" viewBox="0 0 28 76" '
        f'width="28" height="76" xmlns="http://www.w3.org/2000/svg"><title>{escape(status)}'
        f'</title><rect x="1" y="1" width="26" height="74" rx="8" fill="#333"/>'
        f"{''.join(lamps)}</svg>"
    )
