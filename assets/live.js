// The page's side of the live tick (see app/live.py): report the map's view to the server each tick, and
// say so when the server stops answering.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  portmap: {
    view: function (n) {
      var gd = document.querySelector("#map .js-plotly-plot");
      var sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
      if (!sub || !sub.map) { return {n: n}; }
      var b = sub.map.getBounds();
      return {n: n, b: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], z: sub.map.getZoom()};
    },
    // a fold-out beside the map opened or closed: the side panel changed width, so the map must refit
    refit: function () {
      setTimeout(function () { window.dispatchEvent(new Event("resize")); }, 60);
      return Date.now();
    },
    // only a real answer counts: the page's own first draw can take seconds on a slow machine
    seen: function (live) {
      if (!(live && live.at)) { return window.dash_clientside.no_update; }
      window._portmapSeen = Date.now();
      return window._portmapSeen;
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
// request that does not come back, which is exactly when this must speak. A page that was itself blocked
// (a long first draw on software WebGL) has not heard from the server for a while either; that is not the
// server's silence, so a late check starts counting afresh.
(function () {
  var last = Date.now(), blockedAt = 0;
  setInterval(function () {
    var now = Date.now();
    if (now - last > 2000) { blockedAt = now; }
    last = now;
    var el = document.getElementById("server-banner");
    var seen = window._portmapSeen;
    if (!el || !seen) { return; }
    var text = "";
    if (now - Math.max(seen, blockedAt) >= 4000) {
      var zh = !!document.querySelector("#lang input[value=zh]:checked");
      var at = new Date(seen).toISOString().substring(11, 19) + " UTC";
      text = zh ? "自 " + at + " 起地图服务器无响应：画面已冻结"
                : "No answer from the map server since " + at + ": the picture is frozen";
    }
    if (el.textContent !== text) { el.textContent = text; }
  }, 500);
})();
