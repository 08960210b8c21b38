"""Small SVG line charts and histograms, drawn by the browser instead of rasterised on the server.

A matplotlib PNG of the chart panels costs hundreds of milliseconds per frame here; the same
panels as SVG polylines cost a few milliseconds to write and are drawn by the browser. Each
panel has one unit, named in its title; tick labels carry thousands separators.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

from viz.fmt import number

PALETTE = ("#1565c0", "#ef6c00", "#2e7d32", "#c62828", "#6a1b9a", "#00838f")
PANEL_W, PANEL_H = 310, 190
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 50, 8, 20, 22


@dataclass(frozen=True)
class Line:
    """One polyline: legend label, y values, colour index, dashed or not, and a cache key.

    Lines with a ``key`` keep their formatted points in the ``cache`` given to
    :func:`line_panel`; a key must name values that only ever grow at the end (a run's series).
    """

    label: str
    y: np.ndarray
    colour: int = 0
    dashed: bool = False
    key: object = None


def data_points(x: np.ndarray, y: np.ndarray, cache: dict | None = None, key: object = None) -> str:
    """The ``points`` of a polyline in data coordinates (``x,y`` pairs; NaNs left out).

    With a cache and a key, the text of points already formatted is reused, so a series that
    grows by one value per frame costs one new pair per frame.
    """
    n = min(x.size, y.size)
    if cache is None or key is None:
        ok = np.isfinite(y[:n])
        return " ".join(f"{a:g},{b:.6g}" for a, b in zip(x[:n][ok], y[:n][ok], strict=True))
    done: list[str] = cache.setdefault(key, [])
    for i in range(len(done), n):
        b = y[i]
        done.append(f"{x[i]:g},{b:.6g}" if np.isfinite(b) else "")
    return " ".join(p for p in done[:n] if p)


def nice_ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    """Round tick values covering ``[lo, hi]``, about ``n`` of them (steps of 1, 2, 5 × 10^k)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi <= lo:
        hi = lo + (abs(lo) if lo else 1.0)
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    count = math.ceil((hi - first) / step - 1e-9) + 1
    return [first + i * step for i in range(count)]


def short_number(value: float) -> str:
    """``1234567`` → ``"1.23M"``; plain for small numbers."""
    a = abs(value)
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{value / div:.3g}{suffix}"
    return f"{value:.3g}"


def tick_label(value: float, step: float | None = None) -> str:
    """A tick value with separators and as many decimals as the tick step needs.

    ``1.2M`` style above a million; ``20,000``, ``0.5``, ``2`` otherwise.
    """
    if abs(value) >= 1e6:
        return short_number(value)
    if step is None or step <= 0:
        return number(value, 3)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if step * 10**decimals % 1 > 1e-6:  # a step of 2.5 needs one more
        decimals += 1
    return f"{value:,.{decimals}f}"


def line_panel(
    x: np.ndarray | Sequence[np.ndarray],
    lines: Sequence[Line],
    title: str,
    origin: tuple[float, float] = (0.0, 0.0),
    x_max: float | None = None,
    size: tuple[int, int] = (PANEL_W, PANEL_H),
    cache: dict | None = None,
) -> str:
    """One panel (an SVG ``<g>``): axes, ticks, a legend and a polyline per line.

    The polylines are written in data coordinates and placed by a transform, so their points do
    not change when the axis rescales (see :func:`data_points` for ``cache``).

    Args:
        x: The x values (weeks), shared by every line, or one array per line.
        lines: The lines; each ``y`` as long as its ``x``.
        title: The panel title (with its unit).
        origin: Top-left corner of the panel in the enclosing SVG.
        x_max: Right end of the x axis (default: the largest x).
        size: Width and height of the panel, px.
        cache: Formatted points by line key, reused between frames.

    Returns:
        The SVG fragment.
    """
    ox, oy = origin
    pw, ph = size
    w, h = pw - MARGIN_L - MARGIN_R, ph - MARGIN_T - MARGIN_B
    xs = list(x) if isinstance(x, list | tuple) else [np.asarray(x, dtype=float)] * len(lines)
    xs = [np.asarray(v, dtype=float) for v in xs]
    ys = [np.asarray(line.y, dtype=float) for line in lines]
    finite = np.concatenate([y[np.isfinite(y)] for y in ys]) if ys else np.zeros(0)
    ylo, yhi = (min(0.0, finite.min()), finite.max()) if finite.size else (0.0, 1.0)
    yticks = nice_ticks(ylo, yhi)
    ylo, yhi = (yticks[0], yticks[-1]) if len(yticks) > 1 else (ylo, ylo + 1.0)
    longest = max((float(v.max()) for v in xs if v.size), default=1.0)
    xlo, xhi = 0.0, max(x_max if x_max is not None else longest, 1.0)
    xticks = [t for t in nice_ticks(xlo, xhi) if t <= xhi]

    def sx(v):
        return ox + MARGIN_L + (v - xlo) / (xhi - xlo) * w

    def sy(v):
        return oy + MARGIN_T + h - (v - ylo) / (yhi - ylo) * h

    parts = [
        f'<g class="panel"><text x="{ox + 6}" y="{oy + 12}" font-weight="bold">'
        f"{escape(title)}</text>",
        f'<rect x="{sx(xlo):.1f}" y="{sy(yhi):.1f}" width="{w}" height="{h}" '
        'fill="none" stroke="#bbb"/>',
    ]
    ystep = yticks[1] - yticks[0] if len(yticks) > 1 else None
    for t in yticks:
        parts.append(
            f'<text x="{sx(xlo) - 3:.1f}" y="{sy(t) + 3:.1f}" text-anchor="end">'
            f"{tick_label(t, ystep)}</text>"
        )
    for t in xticks:
        parts.append(
            f'<text x="{sx(t):.1f}" y="{sy(ylo) + 12:.1f}" text-anchor="middle">{t:,.0f}</text>'
        )
    kx, ky = w / (xhi - xlo), -h / (yhi - ylo)  # data → pixels
    place = f"matrix({kx:.6g},0,0,{ky:.6g},{sx(0.0):.6g},{sy(0.0):.6g})"
    legend = 0
    for line, xv, y in zip(lines, xs, ys, strict=True):
        colour = PALETTE[line.colour % len(PALETTE)]
        dash = ' stroke-dasharray="4 3"' if line.dashed else ""
        if np.isfinite(y).any():
            pts = data_points(xv, y, cache, line.key)
            parts.append(
                f'<polyline transform="{place}" points="{pts}" fill="none" stroke="{colour}" '
                f'stroke-width="1.5" vector-effect="non-scaling-stroke"{dash}/>'
            )
        if line.label:
            lx, ly = ox + MARGIN_L + 6, oy + MARGIN_T + 12 + 11 * legend
            legend += 1
            parts.append(
                f'<line x1="{lx:.1f}" y1="{ly - 5}" x2="{lx + 9:.1f}" y2="{ly - 5}" '
                f'stroke="{colour}" stroke-width="2"{dash}/>'
                f'<text x="{lx + 12:.1f}" y="{ly - 2}" font-size="9" fill="{colour}">'
                f"{escape(line.label)}</text>"
            )
    parts.append("</g>")
    return "".join(parts)


def histogram_panel(
    values: np.ndarray,
    title: str,
    *,
    bins: int = 12,
    lo: float = 0.0,
    hi: float = 1.0,
    threshold: float | None = None,
    origin: tuple[float, float] = (0.0, 0.0),
    size: tuple[int, int] = (PANEL_W, 150),
    as_share: bool = True,
) -> str:
    """A histogram panel with an optional threshold marker (a red dashed line).

    Args:
        values: The values.
        title: The panel title (with its unit).
        bins: Number of bins over ``[lo, hi]``.
        lo: Left end.
        hi: Right end.
        threshold: Where to draw the threshold, or None.
        origin: Top-left corner.
        size: Width and height, px.
        as_share: Label the x ticks as percentages.

    Returns:
        The SVG fragment.
    """
    ox, oy = origin
    pw, ph = size
    w, h = pw - MARGIN_L - MARGIN_R, ph - MARGIN_T - MARGIN_B
    hi = max(hi, lo + 1e-9)
    counts, edges = np.histogram(np.clip(values, lo, hi), bins=bins, range=(lo, hi))
    top = max(int(counts.max(initial=0)), 1)
    yticks = nice_ticks(0, top, 3)
    ytop = yticks[-1] if yticks else top

    def sx(v):
        return ox + MARGIN_L + (v - lo) / (hi - lo) * w

    def sy(v):
        return oy + MARGIN_T + h - v / ytop * h

    parts = [
        f'<g class="histogram"><text x="{ox + 6}" y="{oy + 12}" font-weight="bold">'
        f"{escape(title)}</text>",
        f'<rect x="{sx(lo):.1f}" y="{sy(ytop):.1f}" width="{w}" height="{h}" fill="none" '
        'stroke="#bbb"/>',
    ]
    for c, a, b in zip(counts, edges[:-1], edges[1:], strict=True):
        if c:
            parts.append(
                f'<rect x="{sx(a) + 0.5:.1f}" y="{sy(c):.1f}" width="{sx(b) - sx(a) - 1:.1f}" '
                f'height="{sy(0) - sy(c):.1f}" fill="{PALETTE[0]}" fill-opacity="0.7"/>'
            )
    for t in yticks:
        parts.append(
            f'<text x="{sx(lo) - 3:.1f}" y="{sy(t) + 3:.1f}" text-anchor="end">{t:,.0f}</text>'
        )
    for t in nice_ticks(lo, hi, 4):
        if lo <= t <= hi:
            label = f"{t:.0%}" if as_share else f"{t:,.0f}"
            parts.append(
                f'<text x="{sx(t):.1f}" y="{sy(0) + 12:.1f}" text-anchor="middle">{label}</text>'
            )
    if threshold is not None and lo <= threshold <= hi:
        parts.append(
            f'<line x1="{sx(threshold):.1f}" y1="{sy(ytop):.1f}" x2="{sx(threshold):.1f}" '
            f'y2="{sy(0):.1f}" stroke="#c62828" stroke-dasharray="4 3" stroke-width="1.5"/>'
        )
    parts.append("</g>")
    return "".join(parts)


def panels_svg(
    panels: Sequence[str],
    columns: int = 3,
    css_class: str = "charts",
    size: tuple[int, int] = (PANEL_W, PANEL_H),
) -> str:
    """Wrap panels (drawn at their grid origins) in one ``<svg>``."""
    rows = math.ceil(len(panels) / columns)
    width, height = columns * size[0], rows * size[1]
    return (
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" '
        f'style="font: 10px sans-serif; max-width: 100%; height: auto">{"".join(panels)}</svg>'
    )


def grid_origin(
    index: int, columns: int = 3, size: tuple[int, int] = (PANEL_W, PANEL_H)
) -> tuple[float, float]:
    """Top-left corner of panel ``index`` in a grid of ``columns``."""
    row, col = divmod(index, columns)
    return col * size[0], row * size[1]
