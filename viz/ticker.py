"""The browser's frame clock: the page asks for the next frame only after painting the last.

While something runs in the background (play, +52 weeks, many seeds), the widget's script
increments ``request`` (a synced trait) when the server starts sending a frame (``started``,
the frame's first update) and at least ``min_interval_ms`` after its last request. The server
answers each request in the session's message thread, one after the other, like clicks: it
either draws a new frame (``started`` first, ``frame`` last), or bumps ``nudge`` ("nothing new
yet, ask again in ``retry_ms``"). So no reactive state is ever set from a worker thread, the
server draws frame n + 1 while the browser paints frame n but never runs further ahead, and a
closed page stops asking.
"""

from __future__ import annotations

import time

import solara
import traitlets
from ipyvuetify import VuetifyTemplate

MIN_INTERVAL_MS = 50  # at most 20 frames a second
RETRY_MS = 30
WATCHDOG_MS = 3000  # a request without an answer is repeated after this long

TEMPLATE = """
<template>
  <span class="frame-clock" :data-frame="frame" :data-active="active ? 1 : 0"
        :data-server-ms="server_ms"
        style="display: none"></span>
</template>
<script>
module.exports = {
  data() { return { timer: null, lastAsk: 0 }; },
  mounted() { this.kick(0); },
  beforeUnmount() { clearTimeout(this.timer); },
  beforeDestroy() { clearTimeout(this.timer); },
  watch: {
    active(value) { if (value) { this.kick(0); } else { clearTimeout(this.timer); } },
    started() { this.painted(); },
    nudge() { this.kick(this.retry_ms); },
  },
  methods: {
    painted() {
      // the server has started sending a frame: ask for the next one, which it draws after
      // this one while the browser applies and paints this one. At most one frame is asked
      // for ahead, and none sooner than min_interval_ms after the last request.
      this.$nextTick(() => {
        const wait = Math.max(0, this.min_interval_ms - (performance.now() - this.lastAsk));
        this.kick(wait);
      });
    },
    kick(ms) {
      clearTimeout(this.timer);
      if (!this.active) { return; }
      this.timer = setTimeout(() => {
        this.lastAsk = performance.now();
        this.request = this.request + 1;
        this.timer = setTimeout(() => this.kick(0), this.watchdog_ms);
      }, ms);
    },
  },
};
</script>
"""


class TickerWidget(VuetifyTemplate):
    """The frame clock (see the module docstring)."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    active = traitlets.Bool(False).tag(sync=True)
    frame = traitlets.Int(0).tag(sync=True)  # the frame drawn (its last update)
    started = traitlets.Int(0).tag(sync=True)  # the frame being drawn (its first update)
    server_ms = traitlets.Float(0.0).tag(sync=True)  # server time of the previous frame
    nudge = traitlets.Int(0).tag(sync=True)
    request = traitlets.Int(0).tag(sync=True)
    min_interval_ms = traitlets.Int(MIN_INTERVAL_MS).tag(sync=True)
    retry_ms = traitlets.Int(RETRY_MS).tag(sync=True)
    watchdog_ms = traitlets.Int(WATCHDOG_MS).tag(sync=True)


@solara.component
def Ticker(explorer, frame: int, active: bool):  # noqa: N802
    """The frame clock of one explorer; its requests call ``explorer.tick``."""
    element = TickerWidget.element(active=active, on_request=lambda _n: explorer.tick())

    def bind() -> None:
        explorer.bind_ticker(solara.get_widget(element))

    solara.use_effect(bind, [])

    def show_frame() -> None:  # after every other update of this render (an effect)
        widget = solara.get_widget(element)
        with widget.hold_sync():  # one message
            if explorer.tick_started:
                explorer.frame_ms.append((time.perf_counter() - explorer.tick_started) * 1e3)
                explorer.tick_started = 0.0
                widget.server_ms = round(explorer.frame_ms[-1], 2)
            widget.frame = frame

    solara.use_effect(show_frame, [frame])
