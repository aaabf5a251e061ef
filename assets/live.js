// The page's side of the live tick (see app/live.py): report the map's view to the server each tick, and
// say so when the server stops answering.
//
// The tick is gated here: dcc.Interval only looks (every GATE_MS) whether a tick is due, and the view (which
// asks the server) is sent only when the last tick was answered and tick_ms has passed since it was asked; with
// a slow server the page then asks again soon after each answer, resting a quarter of the measured round trip
// (at most a second) so that the browser can draw what came. Dash drops an answer when the same callback was
// asked again before it came, so asking every second on a 1 s round trip applied almost nothing. A tick still
// unanswered after frozen_ms is asked again (the server may have lost it). A replay asks at once.
window._portmapTick = {asked: 0, answered: 0, rtt: 0, waiting: false, n: 0};
window._portmapAlerts = {asked: 0, waiting: false};
window.portmapLiveConfig = function () {
  if (!window._portmapConfig) {
    var el = document.getElementById("live-config");
    if (!el) { return null; }
    window._portmapConfig = JSON.parse(el.dataset.config || "{}");
  }
  return window._portmapConfig;
};
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  portmap: {
    view: function (n) {
      var cfg = window.portmapLiveConfig() || {};
      var tick = window._portmapTick, now = Date.now();
      var ctx = window.dash_clientside.callback_context;
      var replay = !!(ctx && ctx.triggered && ctx.triggered.some(function (x) {
        return x.prop_id.indexOf("replay.") === 0; }));
      if (!replay) {
        var rest = Math.min(1000, Math.max(50, tick.rtt / 4));
        if (tick.waiting && now - tick.asked < (cfg.frozen_ms || 10000)) { return window.dash_clientside.no_update; }
        if (!tick.waiting && (now - tick.asked < (cfg.tick_ms || 1000) || now - tick.answered < rest)) {
          return window.dash_clientside.no_update;
        }
      }
      tick.asked = now;
      tick.waiting = true;
      tick.n += 1;
      var gd = document.querySelector("#map .js-plotly-plot");
      var sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
      if (!sub || !sub.map) { return {n: tick.n}; }
      var b = sub.map.getBounds();
      return {n: tick.n, b: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], z: sub.map.getZoom()};
    },
    // The alert list is gated the same way (its answer is often "nothing changed", so the server says it answered
    // in a store of its own): asked at most every second and only once the last ask was answered.
    alertAsk: function () {
      var g = window._portmapAlerts, now = Date.now();
      var cfg = window.portmapLiveConfig() || {};
      if (g.waiting && now - g.asked < (cfg.frozen_ms || 10000)) { return window.dash_clientside.no_update; }
      if (!g.waiting && now - g.asked < (cfg.tick_ms || 1000)) { return window.dash_clientside.no_update; }
      g.asked = now;
      g.waiting = true;
      return now;
    },
    alertAnswered: function () {
      window._portmapAlerts.waiting = false;
      return Date.now();
    },
    // a fold-out beside the map opened or closed: the side panel changed width, so the map must refit
    refit: function () {
      setTimeout(function () { window.dispatchEvent(new Event("resize")); }, 60);
      return Date.now();
    },
    // only a real answer counts: the page's own first draw can take seconds on a slow machine
    // and it opens the gate for the next tick, measures the round trip, and puts the data time of the picture
    // now on screen into <body data-picture-at> (ms since the epoch; the benches and tests read it)
    seen: function (live) {
      if (!(live && live.at)) { return window.dash_clientside.no_update; }
      var tick = window._portmapTick, now = Date.now();
      if (tick.waiting) {
        var rtt = now - tick.asked;
        tick.rtt = tick.rtt ? 0.7 * tick.rtt + 0.3 * rtt : rtt;
        tick.last = rtt;
      }
      tick.waiting = false;
      tick.answered = now;
      window._portmapSeen = now;
      document.body.dataset.pictureAt = String(live.data_at || live.at);
      document.body.dataset.tickRtt = String(Math.round(tick.rtt));
      return now;
    },
    // The reference layers drawn in the map's style (app/mapstyle.py) follow their toggles here at once;
    // the server's toggle callback patches the same visibility into the figure, so a redraw keeps it.
    styleToggle: function (values, toggleIds) {
      var gd = document.querySelector("#map .js-plotly-plot");
      var sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
      if (!sub || !sub.map || !sub.map.getStyle()) { return window.dash_clientside.no_update; }
      var on = {};
      toggleIds.forEach(function (id, i) { on[id.layer] = (values[i] || []).length > 0; });
      sub.map.getStyle().layers.forEach(function (l) {
        var name = l.metadata && l.metadata["portmap:layer"];
        if (name && name in on) {
          var v = on[name] ? "visible" : "none";
          sub.map.setLayoutProperty(l.id, "visibility", v);
        }
      });
      return Date.now();
    }
  }
});

// The server-silence banner runs outside Dash's callbacks: Dash holds back every callback downstream of a
// request that does not come back, which is exactly when this must speak. "Frozen" only after frozen_ms with no
// answer at all; answers that come but slowly (a round trip over slow_ms, or none for slow_ms) get a small
// "slow link" note instead. A page that was itself blocked (a long first draw on software WebGL) has not heard
// from the server for a while either; that is not the server's silence, so a late check starts counting afresh.
(function () {
  var last = Date.now(), blockedAt = 0;
  function say(text, kind) {
    var el = document.getElementById("server-banner");
    if (!el) { return; }
    if (el.textContent !== text) { el.textContent = text; }
    if (el.dataset.kind !== kind) {
      el.dataset.kind = kind;
      el.className = "banner banner-server" + (kind ? " banner-" + kind : "");
    }
  }
  setInterval(function () {
    var now = Date.now();
    if (now - last > 2000) { blockedAt = now; }
    last = now;
    var seen = window._portmapSeen, cfg = window.portmapLiveConfig();
    if (!seen || !cfg) { return; }
    var zh = !!document.querySelector("#lang input[value=zh]:checked");
    var words = (cfg.text || {})[zh ? "zh" : "en"] || {};
    var quiet = now - Math.max(seen, blockedAt), tick = window._portmapTick;
    var slowMs = cfg.slow_ms || 2500;
    if (quiet >= (cfg.frozen_ms || 10000)) {
      var at = new Date(seen).toISOString().substring(11, 19) + " UTC";
      say((words.frozen || "").replace("{at}", at), "frozen");
    } else if (tick.rtt > slowMs || quiet > slowMs) {
      var every = Math.max(tick.rtt, quiet, cfg.tick_ms || 1000) / 1000;
      say((words.slow || "").replace("{s}", every.toFixed(1)), "slow");
    } else {
      say("", "");
    }
  }, 500);
})();
