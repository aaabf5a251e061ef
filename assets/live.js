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
    seen: function (live) { return Date.now(); },
    // The reference layers drawn in the map's style (app/mapstyle.py) follow their toggles here.
    styleToggle: function (values, toggleIds) {
      var gd = document.querySelector("#map .js-plotly-plot");
      var sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
      if (!sub || !sub.map || !sub.map.getStyle()) { return window.dash_clientside.no_update; }
      var on = {};
      toggleIds.forEach(function (id, i) { on[id.layer] = (values[i] || []).length > 0; });
      var styleLayers = gd.layout.map && gd.layout.map.style && gd.layout.map.style.layers || [];
      sub.map.getStyle().layers.forEach(function (l) {
        var name = l.metadata && l.metadata["portmap:layer"];
        if (name && name in on) {
          var v = on[name] ? "visible" : "none";
          sub.map.setLayoutProperty(l.id, "visibility", v);
          styleLayers.forEach(function (s) { if (s.id === l.id) { (s.layout = s.layout || {}).visibility = v; } });
        }
      });
      return Date.now();
    },
    stale: function (n, seen, lang) {
      if (!seen || Date.now() - seen < 5000) { return ""; }
      var since = new Date(seen).toISOString().substring(11, 19) + " UTC";
      return lang === "zh" ? "自 " + since + " 起地图服务器无响应：画面已冻结"
                           : "No answer from the map server since " + since + ": the picture is frozen";
    }
  }
});
