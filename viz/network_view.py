"""The credit network: agents in columns by type, sized by balance sheet, coloured by health.

The layout is computed once per model (a deterministic grid per agent type, largest agents
first), so nodes never move between frames. Edges are exposures ``u → v`` (``u`` loses if ``v``
defaults), wider for larger amounts; an exposure to a defaulted agent is red. The browser draws
the SVG from a Vue template (only node colours, sizes and edges travel each frame), and a click
on a node selects that agent.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import solara
import traitlets
from ipyvuetify import VuetifyTemplate

from viz.state import Explorer

TYPE_ORDER = ("lender", "miner", "neocloud", "hyperscaler", "lab")
HEALTH_COLOURS = {"healthy": "#2e7d32", "distressed": "#f9a825", "defaulted": "#c62828"}
LABEL_LIMIT = 40  # economies up to this size get a name on every node
WIDTH, HEIGHT = 760, 440
PAD_X, PAD_TOP, PAD_BOTTOM = 20, 26, 36
BAND = 0.8  # share of a column's width used by its nodes

TEMPLATE = """
<template>
  <svg class="credit-network" :width="width" :height="height"
       :viewBox="'0 0 ' + width + ' ' + height"
       style="font: 10px sans-serif; max-width: 100%; height: auto; background: #fafafa">
    <text x="8" y="14" font-weight="bold">{{ title }}</text>
    <text v-for="(c, i) in columns" :key="'c' + i" :x="c[0]" :y="height - 8"
          text-anchor="middle" font-weight="bold">{{ c[1] }}</text>
    <line v-for="(e, i) in edges" :key="'e' + i" :x1="e[0]" :y1="e[1]" :x2="e[2]" :y2="e[3]"
          :stroke="e[5] ? '#c62828' : '#556'" :stroke-opacity="e[5] ? 0.65 : 0.25"
          :stroke-width="e[4]" />
    <g v-for="n in nodes" :key="n.id" @click="select(n.id)" style="cursor: pointer">
      <circle :cx="n.x" :cy="n.y" :r="n.r" :fill="n.c" stroke="white" stroke-width="0.8"
              :class="'node node-' + n.h" :data-name="n.name">
        <title>{{ n.name }} ({{ n.k }}, {{ n.h }})</title>
      </circle>
      <text v-if="labels && n.l" :x="n.x + n.dx" :y="n.a === 'middle' ? n.y + n.r + 10 : n.y + 3"
            :text-anchor="n.a" font-size="9">{{ n.name }}</text>
    </g>
    <circle v-if="ring.length" :cx="ring[0]" :cy="ring[1]" :r="ring[2]" fill="none"
            stroke="#1565c0" stroke-width="2.5" class="selected-ring" />
  </svg>
</template>
"""


class NetworkWidget(VuetifyTemplate):
    """The SVG network drawn in the browser; ``selected`` follows clicks on nodes."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    width = traitlets.Int(WIDTH).tag(sync=True)
    height = traitlets.Int(HEIGHT).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    columns = traitlets.List().tag(sync=True)
    nodes = traitlets.List().tag(sync=True)
    edges = traitlets.List().tag(sync=True)
    labels = traitlets.Bool(True).tag(sync=True)
    ring = traitlets.List().tag(sync=True)
    selected = traitlets.Int(-1).tag(sync=True)

    def vue_select(self, uid) -> None:
        """Called by the template when a node is clicked."""
        self.selected = int(uid)


def network_layout(graph: nx.DiGraph) -> dict[int, tuple[float, float]]:
    """Deterministic pixel positions: one column band per agent type, largest agents on top.

    A type with ``n`` agents fills a band of ``c = ceil(sqrt(n / 6))`` sub-columns and
    ``ceil(n / c)`` rows, so 1,000 agents cost the same as 20 and nothing moves between frames.

    Args:
        graph: The credit network (node attributes ``kind`` and ``size_usd``).

    Returns:
        Node id → (x, y) in pixels of a ``WIDTH`` × ``HEIGHT`` drawing.
    """
    kinds: dict[str, list[int]] = {k: [] for k in TYPE_ORDER}
    for node, data in graph.nodes(data=True):
        kinds.setdefault(data.get("kind", "other"), []).append(node)
    col_w = (WIDTH - 2 * PAD_X) / len(kinds)
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    pos: dict[int, tuple[float, float]] = {}
    for col, kind in enumerate(kinds):
        nodes = sorted(kinds[kind], key=lambda n: (-graph.nodes[n].get("size_usd", 0.0), n))
        if not nodes:
            continue
        sub = max(1, math.ceil(math.sqrt(len(nodes) / 6)))
        rows = math.ceil(len(nodes) / sub)
        for i, node in enumerate(nodes):
            r, c = divmod(i, sub)
            x = PAD_X + col_w * (col + 0.5 + ((c + 0.5) / sub - 0.5) * BAND)
            y = PAD_TOP + inner_h * (r + 0.5) / rows
            pos[node] = (round(x, 1), round(y, 1))
    return pos


def node_radii(sizes_usd: np.ndarray, n_nodes: int) -> np.ndarray:
    """Radii growing with the square root of total assets, scaled to the economy size, px."""
    top = max(float(sizes_usd.max(initial=0.0)), 1.0)
    biggest = 18.0 if n_nodes <= LABEL_LIMIT else 6.0
    return np.round(2.0 + biggest * np.sqrt(np.clip(sizes_usd, 0.0, None) / top), 1)


def network_data(
    graph: nx.DiGraph, pos: dict[int, tuple[float, float]], selected: int | None = None
) -> dict[str, object]:
    """The traits of :class:`NetworkWidget` for a graph and fixed positions.

    Returns:
        ``nodes`` (dicts: id, name, k(ind), h(ealth), x, y, r(adius), c(olour), l(abel shown),
        a(nchor of the label), dx (its offset)),
        ``edges``
        (lists: x1, y1, x2, y2, width, to_defaulted), ``columns``, ``labels``, ``ring``,
        ``title``.
    """
    ids = [n for n in graph.nodes if n in pos]
    sizes = np.array([graph.nodes[n].get("size_usd", 0.0) for n in ids], dtype=float)
    radii = node_radii(sizes, len(ids))
    small = len(ids) <= LABEL_LIMIT
    gone = np.array([graph.nodes[n].get("health") == "defaulted" for n in ids], dtype=bool)
    radii = np.where(gone, np.maximum(radii, 7.0 if small else 3.5), radii)  # keep them visible
    sub_columns = _sub_columns(graph, pos)
    nodes = []
    for n, r in zip(ids, radii, strict=True):
        d = graph.nodes[n]
        health = d.get("health", "healthy")
        x, y = pos[n]
        place = label_placement(x, float(r), sub_columns.get(d.get("kind", ""), [x]))
        if place is None and (health == "defaulted" or n == selected):
            place = ("middle", 0.0)
        nodes.append(
            {
                "id": int(n),
                "name": d.get("name", str(n)),
                "k": d.get("kind", ""),
                "h": health,
                "x": x,
                "y": y,
                "r": float(r),
                "c": HEALTH_COLOURS.get(health, "grey"),
                "l": place is not None,
                "a": place[0] if place else "middle",
                "dx": place[1] if place else 0.0,
            }
        )
    edges = [(u, v, d["amount_usd"]) for u, v, d in graph.edges(data=True) if u in pos and v in pos]
    top = max((a for _, _, a in edges), default=1.0) or 1.0
    edge_rows = [
        [
            *pos[u],
            *pos[v],
            round(0.4 + 3.5 * math.sqrt(a / top), 2),
            int(graph.nodes[v].get("health") == "defaulted"),
        ]
        for u, v, a in edges
    ]
    col_w = (WIDTH - 2 * PAD_X) / len(TYPE_ORDER)
    columns = [[PAD_X + col_w * (i + 0.5), f"{k}s"] for i, k in enumerate(TYPE_ORDER)]
    ring: list[float] = []
    if selected is not None and selected in pos:
        r = float(radii[ids.index(selected)])
        ring = [*pos[selected], r + 4.0]
    counts = {h: sum(1 for nd in nodes if nd["h"] == h) for h in HEALTH_COLOURS}
    title = (
        f"week {graph.graph.get('week', 0)}: "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
        + " (edge u→v: u is exposed to v; red: v defaulted)"
    )
    return {
        "nodes": nodes,
        "edges": edge_rows,
        "columns": columns,
        "labels": small,
        "ring": ring,
        "title": title,
    }


def _sub_columns(graph: nx.DiGraph, pos: dict[int, tuple[float, float]]) -> dict[str, list]:
    """Agent type → the sorted x positions of its sub-columns."""
    xs: dict[str, set[float]] = {}
    for n, (x, _) in pos.items():
        xs.setdefault(graph.nodes[n].get("kind", ""), set()).add(x)
    return {kind: sorted(values) for kind, values in xs.items()}


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


@solara.component
def NetworkView(explorer: Explorer, version: int = 0):  # noqa: N802
    """The credit network of the session's model; clicking a node selects the agent."""
    del version  # a new value re-renders this view (passed by ExplorerViews)
    with explorer.reading():  # not while the play thread is inside a step
        model = explorer.model
        if model is None:
            solara.Warning("no model: fix the parameters in the sidebar")
            return
        key = explorer.refresh_key()
        graph = solara.use_memo(model.credit_network, dependencies=[key])
        pos = solara.use_memo(lambda: network_layout(graph), dependencies=[id(model)])
        selected = explorer.selected.value
        data = solara.use_memo(
            lambda: network_data(graph, pos, selected), dependencies=[key, selected]
        )

        def on_selected(uid: int) -> None:
            explorer.selected.value = uid if uid >= 0 else None

        # The bulky per-frame data (nodes, edges) is pushed onto the widget in an effect rather
        # than passed as element arguments: reacton walks every argument value on each render,
        # which for 1,000 agents costs more than drawing them.
        static = {k: v for k, v in data.items() if k not in ("nodes", "edges")}
        element = NetworkWidget.element(
            **static,
            selected=-1 if selected is None else selected,
            on_selected=on_selected,
        )

        def push_data() -> None:
            widget = solara.get_widget(element)
            widget.nodes, widget.edges = data["nodes"], data["edges"]

        solara.use_effect(push_data, [data])
