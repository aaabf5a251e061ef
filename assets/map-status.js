// Marks <body data-map-loaded="true"> once the MapLibre map has drawn (used by tests and the wall).
(function () {
  function check() {
    var gd = document.querySelector("#map .js-plotly-plot");
    var sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    var loaded = !!(sub && sub.map && sub.map.loaded());
    document.body.dataset.mapLoaded = loaded ? "true" : "false";
  }
  setInterval(check, 250);
})();
