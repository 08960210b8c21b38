"""Small SVG line charts, drawn by the browser instead of rasterised on the server.

A matplotlib PNG of the five panels costs hundreds of milliseconds per frame here; the same
panels as SVG polylines cost a few milliseconds to write and are drawn by the browser.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import numpy as np

PALETTE = ("#1565c0", "#ef6c00", "#2e7d32", "#c62828", "#6a1b9a", "#00838f")
PANEL_W, PANEL_H = 310, 190
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 46, 8, 20, 22


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
    """``1234567`` → ``"1.2M"``; plain for small numbers."""
    a = abs(value)
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{value / div:.3g}{suffix}"
    return f"{value:.3g}"


def line_panel(
    x: np.ndarray,
    lines: Sequence[tuple[str, np.ndarray]],
    title: str,
    origin: tuple[float, float] = (0.0, 0.0),
) -> str:
    """One panel (an SVG ``<g>``): axes, ticks, a legend and a polyline per series.

    Args:
        x: The x values (weeks).
        lines: (legend label, y values) pairs, same length as ``x``.
        title: The panel title.
        origin: Top-left corner of the panel in the enclosing SVG.

    Returns:
        The SVG fragment.
    """
    ox, oy = origin
    w, h = PANEL_W - MARGIN_L - MARGIN_R, PANEL_H - MARGIN_T - MARGIN_B
    x = np.asarray(x, dtype=float)
    ys = [np.asarray(y, dtype=float) for _, y in lines]
    finite = np.concatenate([y[np.isfinite(y)] for y in ys]) if ys else np.zeros(0)
    ylo, yhi = (min(0.0, finite.min()), finite.max()) if finite.size else (0.0, 1.0)
    yticks = nice_ticks(ylo, yhi)
    ylo, yhi = (yticks[0], yticks[-1]) if len(yticks) > 1 else (ylo, ylo + 1.0)
    xlo, xhi = (0.0, max(float(x.max()) if x.size else 1.0, 1.0))
    xticks = [t for t in nice_ticks(xlo, xhi) if t <= xhi]

    def sx(v):
        return ox + MARGIN_L + (v - xlo) / (xhi - xlo) * w

    def sy(v):
        return oy + MARGIN_T + h - (v - ylo) / (yhi - ylo) * h

    parts = [
        f'<g class="panel"><text x="{ox + MARGIN_L}" y="{oy + 12}" font-weight="bold">'
        f"{escape(title)}</text>"
    ]
    parts.append(
        f'<rect x="{sx(xlo):.1f}" y="{sy(yhi):.1f}" width="{w}" height="{h}" '
        'fill="none" stroke="#bbb"/>'
    )
    for t in yticks:
        parts.append(
            f'<text x="{sx(xlo) - 3:.1f}" y="{sy(t) + 3:.1f}" text-anchor="end">'
            f"{short_number(t)}</text>"
        )
    for t in xticks:
        parts.append(
            f'<text x="{sx(t):.1f}" y="{sy(ylo) + 12:.1f}" text-anchor="middle">{t:g}</text>'
        )
    for i, ((label, _), y) in enumerate(zip(lines, ys, strict=True)):
        colour = PALETTE[i % len(PALETTE)]
        ok = np.isfinite(y)
        if ok.any():
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(sx(x[ok]), sy(y[ok]), strict=True))
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1.5"/>'
            )
        lx, ly = ox + MARGIN_L + 6, oy + MARGIN_T + 12 + 11 * i
        parts.append(
            f'<rect x="{lx:.1f}" y="{ly - 7}" width="8" height="3" fill="{colour}"/>'
            f'<text x="{lx + 11:.1f}" y="{ly - 3}" font-size="9" fill="{colour}">'
            f"{escape(label)}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def panels_svg(panels: Sequence[str], columns: int = 3, css_class: str = "charts") -> str:
    """Wrap panels (from :func:`line_panel`, drawn at their grid origins) in one ``<svg>``."""
    rows = math.ceil(len(panels) / columns)
    width, height = columns * PANEL_W, rows * PANEL_H
    return (
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" '
        f'style="font: 10px sans-serif; max-width: 100%; height: auto">{"".join(panels)}</svg>'
    )


def grid_origin(index: int, columns: int = 3) -> tuple[float, float]:
    """Top-left corner of panel ``index`` in a grid of ``columns``."""
    row, col = divmod(index, columns)
    return col * PANEL_W, row * PANEL_H
