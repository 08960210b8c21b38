"""The cascade tree: shock → default → default, from the event log's trigger chains.

Roots are the exogenous shocks (and one "no recorded trigger" root when needed); each default
hangs under the nearest default or shock up its chain (:func:`viz.cascade.default_links`). An
edge carries the cause and the week of the default it leads to; a solid edge means "triggered
by", a dashed one "exposed to". Nodes are laid out by depth, left to right, and by week within a
column. Clicking a default selects that agent.
"""

from __future__ import annotations

from dataclasses import dataclass

import solara
import traitlets
from ipyvuetify import VuetifyTemplate

from bubblesim.accounts.events import EventKind
from viz.cascade import EXPOSED, NO_TRIGGER, default_links, shock_key

COL_W, ROW_H, NODE_W, NODE_H = 190, 26, 150, 18
PAD = 10

TEMPLATE = """
<template>
  <div class="cascade-tree-box" style="max-height: 560px; overflow: auto">
    <svg class="cascade-tree" :width="width" :height="height"
         style="font: 10px sans-serif; background: #fcfcfc">
      <g v-for="(e, i) in edges" :key="'e' + i" class="tree-edge">
        <path :d="'M' + e[0] + ',' + e[1] + ' C' + (e[0] + 20) + ',' + e[1] + ' '
                  + (e[2] - 20) + ',' + e[3] + ' ' + e[2] + ',' + e[3]"
              fill="none" :stroke="e[5] ? '#888' : '#c62828'" stroke-width="1.2"
              :stroke-dasharray="e[5] ? '4 3' : ''" />
        <text :x="e[2] - 4" :y="e[3] - 4" text-anchor="end" font-size="8" fill="#555">
          {{ e[4] }}</text>
      </g>
      <g v-for="n in nodes" :key="n.id" @click="n.agent >= 0 && select(n.agent)"
         :style="n.agent >= 0 ? 'cursor: pointer' : ''" :class="'tree-node tree-' + n.kind"
         :data-name="n.name">
        <rect :x="n.x" :y="n.y" :width="nodeW" :height="nodeH" rx="4"
              :fill="n.kind === 'shock' ? '#e3f2fd' : (n.kind === 'root' ? '#eee' : '#ffebee')"
              :stroke="n.agent === selected ? '#1565c0' : '#999'"
              :stroke-width="n.agent === selected ? 2.5 : 1" />
        <text :x="n.x + 5" :y="n.y + 12">{{ n.label }}</text>
        <title>{{ n.title }}</title>
      </g>
    </svg>
  </div>
</template>
"""


class TreeWidget(VuetifyTemplate):
    """The tree drawn in the browser; ``selected`` follows clicks on defaults."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    width = traitlets.Int(400).tag(sync=True)
    height = traitlets.Int(100).tag(sync=True)
    nodeW = traitlets.Int(NODE_W).tag(sync=True)  # noqa: N815 (a Vue template name)
    nodeH = traitlets.Int(NODE_H).tag(sync=True)  # noqa: N815
    nodes = traitlets.List().tag(sync=True)
    edges = traitlets.List().tag(sync=True)
    selected = traitlets.Int(-1).tag(sync=True)

    def vue_select(self, agent) -> None:
        """Called by the template when a default is clicked."""
        self.selected = -1  # a click on the node already selected selects it again
        self.selected = int(agent)


@dataclass(frozen=True)
class TreeNode:
    """A node of the tree: a shock, a default, or the "no recorded trigger" root."""

    id: int  # event id (-1: the root of defaults with no recorded trigger)
    kind: str  # "shock" | "default" | "root"
    name: str
    label: str
    title: str
    agent: int  # agent index in the timeline, -1 for shocks and the root
    depth: int
    week: int


def cascade_tree(events: list, index: dict[int, int]) -> tuple[list[TreeNode], list[tuple]]:
    """The tree's nodes and edges.

    Args:
        events: The event log as it stood at the week on screen.
        index: Agent unique id → index in the timeline.

    Returns:
        Nodes, and edges ``(parent id, child id, label, dashed)``.
    """
    links = default_links(events)
    depth: dict[int, int] = {}
    nodes: dict[int, TreeNode] = {}
    edges = []
    for link in links:
        parent = link.parent
        if parent is None:
            pid = -1
            if pid not in nodes:
                nodes[pid] = TreeNode(-1, "root", NO_TRIGGER, NO_TRIGGER, NO_TRIGGER, -1, 0, 0)
            depth[pid] = 0
        else:
            pid = parent.id
            if pid not in nodes and parent.kind is EventKind.SHOCK:
                text = shock_key(parent) or "shock"
                title = f"week {parent.week:,}: {parent.detail}"
                nodes[pid] = TreeNode(pid, "shock", text, text[:28], title, -1, 0, parent.week)
                depth[pid] = 0
        d = link.default
        depth[d.id] = depth.get(pid, 0) + 1
        via = " via " + ", ".join(str(e.kind) for e in link.via) if link.via else ""
        nodes[d.id] = TreeNode(
            d.id,
            "default",
            d.agent_name,
            f"{d.agent_name} (wk {d.week:,})"[:30],
            f"{d.agent_name} defaulted in week {d.week:,}: {d.cause}; {link.relation} "
            f"{nodes[pid].name if pid in nodes else ''}{via}",
            index.get(d.agent, -1),
            depth[d.id],
            d.week,
        )
        edges.append((pid, d.id, f"{d.cause}, wk {d.week:,}", link.relation == EXPOSED))
    return list(nodes.values()), edges


def tree_traits(nodes: list[TreeNode], edges: list[tuple]) -> dict[str, object]:
    """Pixel positions of the tree (columns by depth, rows by week) as widget traits."""
    columns: dict[int, list[TreeNode]] = {}
    for n in nodes:
        columns.setdefault(n.depth, []).append(n)
    pos: dict[int, tuple[float, float]] = {}
    for depth, members in columns.items():
        for row, n in enumerate(sorted(members, key=lambda m: (m.week, m.id))):
            pos[n.id] = (PAD + depth * COL_W, PAD + row * ROW_H)
    out_nodes = [
        {
            "id": n.id,
            "kind": n.kind,
            "name": n.name,
            "label": n.label,
            "title": n.title,
            "agent": n.agent if n.kind == "default" else -1,
            "x": pos[n.id][0],
            "y": pos[n.id][1],
        }
        for n in nodes
    ]
    out_edges = []
    for parent, child, label, dashed in edges:
        px, py = pos[parent]
        cx, cy = pos[child]
        out_edges.append(
            [px + NODE_W, py + NODE_H / 2, cx, cy + NODE_H / 2, label, 1 if dashed else 0]
        )
    width = PAD * 2 + (max(columns, default=0) + 1) * COL_W
    height = PAD * 2 + max((len(m) for m in columns.values()), default=1) * ROW_H
    return {"nodes": out_nodes, "edges": out_edges, "width": int(width), "height": int(height)}


@solara.component
def CascadeTree(explorer, week: int, selected: int | None = None):  # noqa: N802
    """The cascade tree of the live run at a week; clicking a default selects the agent."""
    run = explorer.run
    timeline = run.timeline

    def build():
        return tree_traits(*cascade_tree(timeline.events_upto(week), timeline.index))

    data = solara.use_memo(build, [id(run), week])
    if not data["nodes"]:
        solara.Text("No agent has defaulted yet: the tree grows with the first default.")
        return
    TreeDrawing(explorer=explorer, data=data, selected=selected)


@solara.component
def TreeDrawing(explorer, data: dict, selected: int | None = None):  # noqa: N802
    """The tree widget for prepared traits (:func:`tree_traits`)."""

    def on_selected(agent: int) -> None:
        if agent >= 0:
            explorer.select(agent)

    element = TreeWidget.element(
        width=data["width"],
        height=data["height"],
        selected=-1 if selected is None else int(selected),
        on_selected=on_selected,
    )

    def push() -> None:
        widget = solara.get_widget(element)
        with widget.hold_sync():
            widget.nodes, widget.edges = data["nodes"], data["edges"]

    solara.use_effect(push, [data])
    solara.Text(
        "Solid red edge: triggered by the default it comes from; dashed grey edge: exposed to "
        "the shock (no other cause recorded). Each edge: the cause and the week of the default "
        "it leads to. Click a default to open its books.",
        style={"font-size": "0.8em", "color": "#555"},
    )
