"""The credit network: agents in columns by type, sized by balance sheet, coloured by health.

The layout is computed once per run (a deterministic grid per agent type, largest agents at
week 0 first), so nodes never move between frames. Edges are exposures ``u → v`` (``u`` loses
if ``v`` defaults), wider for larger amounts; an exposure to a defaulted agent is red. The
positions and names travel to the browser once; each frame sends only the radii, the health
codes and the edges (as agent indexes) of the week on screen, read from the run's snapshots.
A click on a node selects that agent.
"""

from __future__ import annotations

import math

import numpy as np
import solara
import traitlets
from ipyvuetify import VuetifyTemplate

from bubblesim.agents import AgentType
from viz.timeline import DEFAULTED, HEALTH_NAMES, Timeline

TYPE_ORDER = ("lender", "miner", "neocloud", "hyperscaler", "lab")
"""The usual column order; a type not in it (a new agent type) gets a column after these."""


def type_order(kinds: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The network's columns, in order.

    :data:`TYPE_ORDER`, then every other registered agent type (``bubblesim.agents.AgentType``),
    then any other type the agents have, in order of first appearance.
    """
    out = list(TYPE_ORDER)
    for kind in [str(k) for k in AgentType] + [str(k) for k in kinds]:
        if kind not in out:
            out.append(kind)
    return out


HEALTH_COLOURS = {"healthy": "#2e7d32", "distressed": "#f9a825", "defaulted": "#c62828"}
LABEL_LIMIT = 40  # economies up to this size get a name on every node
WIDTH, HEIGHT = 760, 440
PAD_X, PAD_TOP, PAD_BOTTOM = 20, 26, 36
BAND = 0.8  # share of a column's width used by its nodes

TEMPLATE = """
<template>
  <div class="network-box"><svg :class="'credit-network ' + role" :width="width" :height="height"
       :viewBox="'0 0 ' + width + ' ' + height"
       style="font: 10px sans-serif; max-width: 100%; height: auto; background: #fafafa">
    <text x="8" y="14" font-weight="bold" class="network-title">{{ title }}</text>
    <text v-for="(c, i) in columns" :key="'c' + i" :x="c[0]" :y="height - 8"
          text-anchor="middle" font-weight="bold">{{ c[1] }}</text>
    <g v-for="e in edges" :key="'e' + e[0] + '-' + e[1]"
       v-memo="[e[0], e[1], e[2], e[3], nodes[e[0]], nodes[e[1]]]">
      <line v-if="nodes[e[0]] && nodes[e[1]]"
            :x1="nodes[e[0]][0]" :y1="nodes[e[0]][1]" :x2="nodes[e[1]][0]" :y2="nodes[e[1]][1]"
            :stroke="e[3] ? '#c62828' : '#556'" :stroke-opacity="e[3] ? 0.65 : 0.25"
            :stroke-width="e[2]" />
    </g>
    <g v-for="(n, i) in nodes" :key="i"
       v-memo="[n, radii[i], hs[i], i === selected, labels, i < hs.length && i < radii.length]">
      <g v-if="i < hs.length && i < radii.length" @click="select(i)" style="cursor: pointer">
        <circle :cx="n[0]" :cy="n[1]" :r="radii[i]" :fill="colours[hs[i]]" stroke="white"
                stroke-width="0.8" :class="'node node-' + healths[hs[i]]" :data-name="n[2]"
                :data-index="i">
          <title>{{ n[2] }} ({{ n[3] }}, {{ healths[hs[i]] }})</title>
        </circle>
        <text v-if="labels && (n[6] || hs[i] === 2 || i === selected)"
              :x="n[0] + (n[6] ? n[5] : 0)"
              :y="(n[6] ? n[4] : 'middle') === 'middle' ? n[1] + radii[i] + 10 : n[1] + 3"
              :text-anchor="n[6] ? n[4] : 'middle'" font-size="9">{{ n[2] }}</text>
      </g>
    </g>
    <circle v-if="selected >= 0 && selected < hs.length && nodes[selected]"
            :cx="nodes[selected][0]"
            :cy="nodes[selected][1]" :r="radii[selected] + 4" fill="none" stroke="#1565c0"
            stroke-width="2.5" class="selected-ring" />
  </svg></div>
</template>
"""


class NetworkWidget(VuetifyTemplate):
    """The SVG network drawn in the browser; ``selected`` follows clicks on nodes.

    ``nodes`` holds, per agent index, ``[x, y, name, kind, label anchor, label dx, labelled]``
    (sent once per layout); ``radii``, ``hs`` (health codes) and ``edges``
    (``[src, dst, width, to_defaulted]``) change with the week. Each node and each edge (keyed
    by its pair of agents) is memoised (``v-memo``): from one week to the next only a few dozen
    of 1,000 agents' radii and 1,600 edges change, and only those are patched.
    """

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    width = traitlets.Int(WIDTH).tag(sync=True)
    height = traitlets.Int(HEIGHT).tag(sync=True)
    role = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    columns = traitlets.List().tag(sync=True)
    colours = traitlets.List(list(HEALTH_COLOURS.values())).tag(sync=True)
    healths = traitlets.List(list(HEALTH_NAMES)).tag(sync=True)
    nodes = traitlets.List().tag(sync=True)
    radii = traitlets.List().tag(sync=True)
    hs = traitlets.List().tag(sync=True)
    edges = traitlets.List().tag(sync=True)
    labels = traitlets.Bool(True).tag(sync=True)
    selected = traitlets.Int(-1).tag(sync=True)

    def vue_select(self, index) -> None:
        """Called by the template when a node is clicked."""
        self.selected = int(index)


def network_layout(kinds: list[str], sizes_usd: np.ndarray) -> np.ndarray:
    """Deterministic pixel positions: one column band per agent type, largest agents on top.

    A type with ``n`` agents fills a band of ``c = ceil(sqrt(n / 6))`` sub-columns and
    ``ceil(n / c)`` rows, so 1,000 agents cost the same as 20 and nothing moves between frames.

    Args:
        kinds: Each agent's type.
        sizes_usd: Each agent's size (total assets), which orders a column.

    Returns:
        An ``(n, 2)`` array of (x, y) in pixels of a ``WIDTH`` × ``HEIGHT`` drawing.
    """
    groups: dict[str, list[int]] = {k: [] for k in type_order(kinds)}
    for i, kind in enumerate(kinds):
        groups.setdefault(kind, []).append(i)
    col_w = (WIDTH - 2 * PAD_X) / len(groups)
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    pos = np.zeros((len(kinds), 2))
    sizes = np.nan_to_num(np.asarray(sizes_usd, dtype=float))
    for col, kind in enumerate(groups):
        members = sorted(groups[kind], key=lambda i: (-sizes[i], i))
        if not members:
            continue
        sub = max(1, math.ceil(math.sqrt(len(members) / 6)))
        rows = math.ceil(len(members) / sub)
        for k, i in enumerate(members):
            r, c = divmod(k, sub)
            pos[i, 0] = PAD_X + col_w * (col + 0.5 + ((c + 0.5) / sub - 0.5) * BAND)
            pos[i, 1] = PAD_TOP + inner_h * (r + 0.5) / rows
    return np.round(pos, 1)


def node_radii(sizes_usd: np.ndarray, n_nodes: int) -> np.ndarray:
    """Radii growing with the square root of total assets, scaled to the economy size, px."""
    sizes = np.clip(np.nan_to_num(np.asarray(sizes_usd, dtype=float)), 0.0, None)
    top = max(float(sizes.max(initial=0.0)), 1.0)
    biggest = 18.0 if n_nodes <= LABEL_LIMIT else 6.0
    return np.round(2.0 + biggest * np.sqrt(sizes / top), 1)


def label_placement(x: float, r: float, columns: list[float]) -> tuple[str, float] | None:
    """Where a node's name goes: below (one sub-column), outside (two), or nowhere (more).

    Returns:
        (SVG text-anchor, x offset), or None when names would overlap.
    """
    if len(columns) == 1:
        return "middle", 0.0
    if len(columns) == 2:
        return ("end", -(r + 3.0)) if x == columns[0] else ("start", r + 3.0)
    return None


def static_nodes(timeline: Timeline, n: int) -> list[list]:
    """The per-agent data sent once per layout (positions, names, label placement)."""
    kinds = timeline.kinds[:n]
    pos = network_layout(kinds, _sizes(timeline, timeline.at(0), n))
    sub_columns: dict[str, list[float]] = {}
    for kind, (x, _) in zip(kinds, pos, strict=True):
        sub_columns.setdefault(kind, []).append(float(x))
    sub_columns = {k: sorted(set(v)) for k, v in sub_columns.items()}
    out = []
    for i, kind in enumerate(kinds):
        x, y = float(pos[i, 0]), float(pos[i, 1])
        place = label_placement(x, 8.0, sub_columns[kind])
        anchor, dx = place if place else ("middle", 0.0)
        out.append([x, y, timeline.names[i], kind, anchor, dx, place is not None])
    return out


def _sizes(timeline: Timeline, snap, n: int) -> np.ndarray:
    sizes = np.zeros(n)
    if "assets_usd" in timeline.sheet_keys:
        column = snap.sheet[:, timeline.sheet_keys.index("assets_usd")]
        sizes[: column.size] = np.nan_to_num(column[:n])
    return sizes


def frame_data(timeline: Timeline, week: int, n: int) -> dict[str, object]:
    """The per-week traits: radii, health codes, edges and the title."""
    snap = timeline.at(week)
    m = min(n, snap.n_agents)
    health = snap.health[:m]
    radii = node_radii(_sizes(timeline, snap, m), n)
    small = n <= LABEL_LIMIT
    radii = np.where(health == DEFAULTED, np.maximum(radii, 7.0 if small else 3.5), radii)
    keep = (snap.edge_src < m) & (snap.edge_dst < m)
    src, dst, usd = snap.edge_src[keep], snap.edge_dst[keep], snap.edge_usd[keep]
    top = float(usd.max(initial=0.0)) or 1.0
    widths = np.round(0.4 + 3.5 * np.sqrt(np.clip(usd, 0, None) / top), 2)
    red = (health[dst] == DEFAULTED).astype(int) if dst.size else np.zeros(0, dtype=int)
    edges = np.column_stack([src, dst, widths, red]).tolist() if src.size else []
    edges = [[int(a), int(b), float(w), int(c)] for a, b, w, c in edges]
    counts = [int(np.count_nonzero(health == code)) for code in range(len(HEALTH_NAMES))]
    title = (
        f"week {snap.week:,}: "
        + ", ".join(f"{c:,} {name}" for c, name in zip(counts, HEALTH_NAMES, strict=True))
        + " (edge u→v: u is exposed to v; red: v defaulted)"
    )
    return {"r": radii.tolist(), "h": health.astype(int).tolist(), "edges": edges, "title": title}


def columns(kinds: list[str] | tuple[str, ...] = ()) -> list[list]:
    """The column captions (agent types), where :func:`network_layout` puts the columns."""
    order = type_order(kinds)
    col_w = (WIDTH - 2 * PAD_X) / len(order)
    return [[PAD_X + col_w * (i + 0.5), f"{k}s"] for i, k in enumerate(order)]


@solara.component
def NetworkView(  # noqa: N802
    run, week: int, selected: int | None = None, on_select=None, role: str = ""
):
    """The credit network of a run at a week; clicking a node calls ``on_select(index)``."""
    timeline = run.timeline
    snap = timeline.at(week)
    n = snap.n_agents
    nodes = solara.use_memo(lambda: static_nodes(timeline, n), dependencies=[id(run), n])
    data = solara.use_memo(lambda: frame_data(timeline, week, n), dependencies=[id(run), week, n])

    def on_selected(index: int) -> None:
        if on_select is not None and index >= 0:
            on_select(index)

    element = NetworkWidget.element(
        columns=columns(timeline.kinds),
        labels=n <= LABEL_LIMIT,
        selected=-1 if selected is None else int(selected),
        role=role,
        on_selected=on_selected,
    )

    # The bulky data is pushed onto the widget in effects rather than passed as element
    # arguments: reacton compares every argument value on each render, which for 1,000 agents
    # costs more than drawing them.
    # New nodes travel in the same message as the frame that needs them, so the browser never
    # draws edges or a selection ring for nodes it does not have yet.
    pushed = solara.use_ref(None)

    def push_frame() -> None:
        widget = solara.get_widget(element)
        with widget.hold_sync():
            if pushed.current is not nodes:
                widget.nodes = nodes
                pushed.current = nodes
            widget.radii, widget.hs, widget.edges = data["r"], data["h"], data["edges"]
            widget.title = data["title"]

    solara.use_effect(push_frame, [nodes, data])
