"""The credit network: agents in columns by type, sized by balance sheet, coloured by health.

The layout is computed once per run (a deterministic grid per agent type, largest agents at
week 0 first), so nodes never move between frames. Edges are exposures ``u → v`` (``u`` loses
if ``v`` defaults), wider for larger amounts; an exposure to a defaulted agent is red. The
positions and names travel to the browser once; each frame sends only the radii, the health
codes and the edges (as agent indexes) of the week on screen, read from the run's snapshots.
A click on a node selects that agent.
"""

from __future__ import annotations

import json
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
    <text x="8" y="14" font-weight="bold" class="network-title" ref="title"></text>
    <text v-for="(c, i) in columns" :key="'c' + i" :x="c[0]" :y="height - 8"
          text-anchor="middle" font-weight="bold">{{ c[1] }}</text>
    <g ref="edges"></g>
    <g ref="nodes" style="cursor: pointer"></g>
    <g ref="ring"></g>
  </svg></div>
</template>
<script>
// Vue renders only the frame of the drawing; this script draws and updates the nodes and
// edges itself, touching only the elements whose values changed since the last frame.
// (Only module.exports of this script is kept: no top-level helpers.)
module.exports = {
  mounted() {
    this.shown = { geometry: null, frame: null, selected: null, labels: null };
    this.nodeEls = [];
    this.edgeEls = new Map();
    this.$refs.nodes.addEventListener('click', (event) => {
      const el = event.target.closest('[data-index]');
      if (el) { this.select(parseInt(el.getAttribute('data-index'))); }
    });
    this.draw();
  },
  watch: {
    geometry() { this.draw(); },
    frame() { this.draw(); },
    selected() { this.draw(); },
    labels() { this.draw(); },
  },
  methods: {
    make(tag, attrs) {
      const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
      for (const k in attrs) { el.setAttribute(k, attrs[k]); }
      return el;
    },
    draw() {
      const shown = this.shown;
      if (!shown || (shown.geometry === this.geometry && shown.frame === this.frame
                     && shown.selected === this.selected && shown.labels === this.labels)) {
        return;
      }
      if (shown.geometry !== this.geometry) { this.rebuild(); }
      const layout = this.parsedLayout;
      const frame = this.frame ? JSON.parse(this.frame) : null;
      shown.geometry = this.geometry; shown.frame = this.frame;
      shown.selected = this.selected; shown.labels = this.labels;
      if (!layout || !frame) { return; }
      this.$refs.title.textContent = frame.title;
      const nodes = layout.nodes;
      const m = Math.min(nodes.length, frame.h.length, frame.r.length);
      this.drawNodes(nodes, frame, m);
      this.drawEdges(nodes, frame, m);
      this.drawRing(nodes, frame, m);
    },
    rebuild() {
      this.parsedLayout = this.geometry ? JSON.parse(this.geometry) : null;
      this.$refs.nodes.replaceChildren();
      this.$refs.edges.replaceChildren();
      this.nodeEls = [];
      this.edgeEls = new Map();
    },
    drawNodes(nodes, frame, m) {
      const els = this.nodeEls;
      while (els.length > m) { els.pop().g.remove(); }
      for (let i = 0; i < m; i++) {
        const n = nodes[i], r = frame.r[i] / 10, h = frame.h[i];
        let el = els[i];
        if (!el) {
          const g = this.make('g', { 'data-index': i });
          const circle = this.make('circle', { cx: n[0], cy: n[1], stroke: 'white',
                                          'stroke-width': 0.8, 'data-name': n[2],
                                          'data-index': i });
          const title = this.make('title', {});
          circle.appendChild(title);
          g.appendChild(circle);
          this.$refs.nodes.appendChild(g);
          el = els[i] = { g, circle, title, label: null, r: null, h: null, text: null };
        }
        if (el.r !== r) { el.circle.setAttribute('r', r); el.r = r; }
        if (el.h !== h) {
          const health = this.healths[h];
          el.circle.setAttribute('fill', this.colours[h]);
          el.circle.setAttribute('class', 'node node-' + health);
          el.title.textContent = n[2] + ' (' + n[3] + ', ' + health + ')';
          el.h = h;
        }
        this.drawLabel(el, n, i, r, h);
      }
    },
    drawLabel(el, n, i, r, h) {
      const want = this.labels && (n[6] || h === 2 || i === this.selected);
      if (!want) {
        if (el.label) { el.label.remove(); el.label = null; el.text = null; }
        return;
      }
      const x = n[0] + (n[6] ? n[5] : 0);
      const anchor = n[6] ? n[4] : 'middle';
      const y = anchor === 'middle' ? n[1] + r + 10 : n[1] + 3;
      const key = x + ',' + y + ',' + anchor;
      if (el.text === key) { return; }
      if (!el.label) {
        el.label = this.make('text', { 'font-size': 9 });
        el.label.textContent = n[2];
        el.g.appendChild(el.label);
      }
      el.label.setAttribute('x', x);
      el.label.setAttribute('y', y);
      el.label.setAttribute('text-anchor', anchor);
      el.text = key;
    },
    drawEdges(nodes, frame, m) {
      const old = this.edgeEls;
      const now = new Map();
      const src = frame.s, dst = frame.d, width = frame.w, toRed = frame.x;
      for (let k = 0; k < src.length; k++) {
        const s = src[k], d = dst[k], w = width[k] / 100, red = toRed[k];
        if (s >= m || d >= m) { continue; }
        const key = s * 1048576 + d;
        let el = old.get(key);
        if (el) {
          old.delete(key);
        } else {
          el = { line: this.make('line', { x1: nodes[s][0], y1: nodes[s][1],
                                      x2: nodes[d][0], y2: nodes[d][1] }), w: null, red: null };
          this.$refs.edges.appendChild(el.line);
        }
        if (el.w !== w) { el.line.setAttribute('stroke-width', w); el.w = w; }
        if (el.red !== red) {
          el.line.setAttribute('stroke', red ? '#c62828' : '#556');
          el.line.setAttribute('stroke-opacity', red ? 0.65 : 0.25);
          el.red = red;
        }
        now.set(key, el);
      }
      for (const el of old.values()) { el.line.remove(); }
      this.edgeEls = now;
    },
    drawRing(nodes, frame, m) {
      const i = this.selected;
      const box = this.$refs.ring;
      if (i < 0 || i >= m) { box.replaceChildren(); return; }
      let ring = box.firstChild;
      if (!ring) {
        ring = this.make('circle', { fill: 'none', stroke: '#1565c0', 'stroke-width': 2.5,
                                class: 'selected-ring' });
        box.appendChild(ring);
      }
      ring.setAttribute('cx', nodes[i][0]);
      ring.setAttribute('cy', nodes[i][1]);
      ring.setAttribute('r', frame.r[i] / 10 + 4);
    },
  },
};
</script>
"""


class NetworkWidget(VuetifyTemplate):
    """The SVG network drawn in the browser; ``selected`` follows clicks on nodes.

    Two synced strings carry the drawing, so the front end neither compares nor deep-copies
    thousands of nested values per frame (as it does for list traits): ``geometry``, sent once
    per layout, is the JSON of ``{"nodes": [[x, y, name, kind, label anchor, label dx,
    labelled], ...]}``; ``frame``, sent per week, the JSON of :func:`frame_data`: integer
    columns of the week's radii, health codes and edges, and the title. Both travel in one
    message. The template's script keeps one SVG element per node and per edge (keyed by its
    pair of agents) and, from one week to the next, sets only the attributes that changed:
    a few dozen of 1,000 agents' radii and 1,600 edges.

    ``nodes``, ``hs``, ``edges`` (rows ``[src, dst, width px, to_defaulted]``, built when
    read) and ``title`` hold the same data on the Python side (not synced), for tests and
    callers.
    """

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    width = traitlets.Int(WIDTH).tag(sync=True)
    height = traitlets.Int(HEIGHT).tag(sync=True)
    role = traitlets.Unicode("").tag(sync=True)
    columns = traitlets.List().tag(sync=True)
    colours = traitlets.List(list(HEALTH_COLOURS.values())).tag(sync=True)
    healths = traitlets.List(list(HEALTH_NAMES)).tag(sync=True)
    labels = traitlets.Bool(True).tag(sync=True)
    selected = traitlets.Int(-1).tag(sync=True)
    geometry = traitlets.Unicode("").tag(sync=True)
    frame = traitlets.Unicode("").tag(sync=True)
    nodes = traitlets.List()
    hs = traitlets.List()
    title = traitlets.Unicode("")
    _sent_nodes = None
    _data: dict[str, object] | None = None

    def vue_select(self, index) -> None:
        """Called by the template when a node is clicked."""
        self.selected = -1  # a click on the node already selected selects it again
        self.selected = int(index)

    def show(self, nodes: list[list], data: dict[str, object]) -> None:
        """Send the layout (if it changed) and one week's frame, in one message."""
        with self.hold_sync():
            if nodes is not self._sent_nodes:
                self.nodes = self._sent_nodes = nodes
                self.geometry = json.dumps({"nodes": nodes}, separators=(",", ":"))
            self._data, self.hs, self.title = data, data["h"], data["title"]
            self.frame = json.dumps(data, separators=(",", ":"))

    @property
    def edges(self) -> list[list]:
        """The edges on screen, ``[src, dst, width px, to_defaulted]`` each."""
        return edge_rows(self._data) if self._data else []


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
    """The per-week frame, as integer columns (no per-edge Python work).

    Returns:
        ``r``: each agent's radius in tenths of a pixel; ``h``: its health code; ``s``, ``d``,
        ``w``, ``x``: each edge's source and target agent, width in hundredths of a pixel,
        and 1 if the target defaulted; ``title``.
    """
    snap = timeline.at(week)
    m = min(n, snap.n_agents)
    health = snap.health[:m]
    radii = node_radii(_sizes(timeline, snap, m), n)
    small = n <= LABEL_LIMIT
    radii = np.where(health == DEFAULTED, np.maximum(radii, 7.0 if small else 3.5), radii)
    keep = (snap.edge_src < m) & (snap.edge_dst < m)
    src, dst, usd = snap.edge_src[keep], snap.edge_dst[keep], snap.edge_usd[keep]
    top = float(usd.max(initial=0.0)) or 1.0
    widths = np.rint(40.0 + 350.0 * np.sqrt(np.clip(usd, 0, None) / top)).astype(np.int64)
    red = (health[dst] == DEFAULTED).astype(np.int64)
    counts = [int(np.count_nonzero(health == code)) for code in range(len(HEALTH_NAMES))]
    title = (
        f"week {snap.week:,}: "
        + ", ".join(f"{c:,} {name}" for c, name in zip(counts, HEALTH_NAMES, strict=True))
        + " (edge u→v: u is exposed to v; red: v defaulted)"
    )
    return {
        "r": np.rint(radii * 10.0).astype(np.int64).tolist(),
        "h": health.astype(np.int64).tolist(),
        "s": src.astype(np.int64).tolist(),
        "d": dst.astype(np.int64).tolist(),
        "w": widths.tolist(),
        "x": red.tolist(),
        "title": title,
    }


def edge_rows(data: dict[str, object]) -> list[list]:
    """A frame's edges as rows ``[src, dst, width px, to_defaulted]``."""
    return [
        [s, d, w / 100.0, x]
        for s, d, w, x in zip(data["s"], data["d"], data["w"], data["x"], strict=True)
    ]


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

    # The bulky data is pushed onto the widget in an effect rather than passed as element
    # arguments: reacton compares every argument value on each render, which for 1,000 agents
    # costs more than drawing them. New nodes travel in the same message as the frame that
    # needs them, so the browser never draws edges or a selection ring for nodes it lacks.
    solara.use_effect(lambda: solara.get_widget(element).show(nodes, data), [nodes, data])
