// The control-centre wall (app/wall.py): no controls, only GETs. It polls the state every second, redraws the
// live layers every few seconds, rotates through the port's views, focuses on a critical alert until someone
// acknowledges it, says when the server stops answering and, when it answers again, reloads by itself.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var lang = params.get("lang") || "";
  var q = lang ? "?lang=" + encodeURIComponent(lang) : "";
  var gd = document.getElementById("map");
  var ui = {};
  ["port", "title", "feeds", "clock", "clock-sub", "kpis", "view-label", "focus", "outage", "age", "alerts",
   "alerts-title", "ticker"].forEach(function (id) { ui[id] = document.getElementById(id); });
  var wall = window._wall = {state: null, owners: null, drawn: false, view: null, focusId: null, shown: {},
                             lastOk: Date.now(), down: false, needFigure: true, viewIndex: -1, viewSince: 0,
                             figures: 0, lives: 0};
  var busy = {state: false, live: false, figure: false};

  function get(url, timeoutMs) {
    var ctl = new AbortController();
    var timer = setTimeout(function () { ctl.abort(); }, timeoutMs);
    return fetch(url, {credentials: "same-origin", cache: "no-store", signal: ctl.signal}).then(function (r) {
      clearTimeout(timer);
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    }, function (err) { clearTimeout(timer); throw err; });
  }

  function node(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function replace(el, key, value, build) {      // rebuild a part only when what it shows changed
    var sig = JSON.stringify(value);
    if (wall.shown[key] === sig) { return; }
    wall.shown[key] = sig;
    while (el.firstChild) { el.removeChild(el.firstChild); }
    build(el, value);
  }

  function loadFigure() {
    if (busy.figure) { return; }
    busy.figure = true;
    get("/wall/figure.json" + q, 20000).then(function (doc) {
      wall.owners = doc.owners;
      // a stable uid per slot: plotly then updates each trace's map source in place instead of replacing it
      doc.figure.data.forEach(function (trace, i) { trace.uid = "wall-" + i; });
      var layout = doc.figure.layout;
      layout.dragmode = false;
      return Plotly.react(gd, doc.figure.data, layout, {staticPlot: true, displayModeBar: false, responsive: true});
    }).then(function () {
      wall.drawn = true;
      wall.needFigure = false;
      wall.figures += 1;
      document.body.dataset.wallLoaded = "true";
      if (wall.view) { show(wall.view, true); }
    }).catch(function () { wall.needFigure = true; }).then(function () { busy.figure = false; });
  }

  function refreshLive() {
    if (!wall.drawn || busy.live || wall.down) { return; }
    busy.live = true;
    var zoom = (gd.layout && gd.layout.map && gd.layout.map.zoom) || 11;
    get("/wall/live.json?zoom=" + zoom.toFixed(1) + (lang ? "&lang=" + encodeURIComponent(lang) : ""), 8000)
      .then(function (doc) {
        var data = gd.data.slice();
        Object.keys(doc.layers).forEach(function (name) {
          var slots = [];
          wall.owners.forEach(function (owner, i) { if (owner === name) { slots.push(i); } });
          doc.layers[name].forEach(function (trace, k) {
            if (k < slots.length) { trace.meta = {layer: name}; trace.uid = "wall-" + slots[k]; data[slots[k]] = trace; }
          });
        });
        wall.lives += 1;
        return Plotly.react(gd, data, gd.layout);
      }).catch(function () { /* the state poll reports outages */ }).then(function () { busy.live = false; });
  }

  function mercator(lat) { return Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360)); }

  function fit(view) {
    var rect = gd.getBoundingClientRect(), b = view.bbox;
    if (view.center) {             // a zoom chosen for an officer's screen (~800 px of map): scaled to this one
      var scaled = view.zoom + Math.log2(Math.max(rect.height, 200) / 800);
      return {center: {lon: view.center[0], lat: view.center[1]}, zoom: scaled};
    }
    var zx = Math.log2(rect.width * 360 / (512 * Math.max(b[2] - b[0], 1e-6)));
    var zy = Math.log2(rect.height * 2 * Math.PI / (512 * Math.max(mercator(b[3]) - mercator(b[1]), 1e-9)));
    var mid = (mercator(b[1]) + mercator(b[3])) / 2;
    var lat = (2 * Math.atan(Math.exp(mid)) - Math.PI / 2) * 180 / Math.PI;
    return {center: {lon: (b[0] + b[2]) / 2, lat: lat}, zoom: Math.min(Math.min(zx, zy) - 0.3, 17)};
  }

  function show(view, force) {
    if (!force && wall.view === view) { return; }
    wall.view = view;
    ui["view-label"].textContent = view.label;
    if (!wall.drawn) { return; }
    var f = fit(view);
    Plotly.relayout(gd, {"map.center": f.center, "map.zoom": f.zoom});
  }

  function rotate() {
    var s = wall.state;
    if (!s) { return; }
    if (s.focus) {                       // a critical alert: stay on it until it is acknowledged
      if (wall.focusId !== s.focus.id) {
        wall.focusId = s.focus.id;
        show({name: "focus", label: s.focus.label + " · " + s.focus.title, center: [s.focus.lon, s.focus.lat],
              zoom: 15}, true);
      }
      return;
    }
    var now = Date.now();
    var resume = wall.focusId !== null;
    if (resume) { wall.focusId = null; }
    if (!s.views.length) { return; }
    var rotateS = Number(params.get("rotate")) || s.rotate_s;      // ?rotate=N: a soak test speeds it up
    if (resume || wall.viewIndex < 0 || now - wall.viewSince >= rotateS * 1000) {
      wall.viewIndex = (wall.viewIndex + 1) % s.views.length;
      wall.viewSince = now;
      show(s.views[wall.viewIndex], true);
    }
  }

  // A chime for a new critical alert only where the port's [wall] config says sound = true (off by default: a
  // control-room wall is watched, not listened to); the alerts on the wall when it opens are not new.
  var heardCritical = null;
  function chimeForNewCritical(s) {
    var ids = s.alerts.filter(function (a) { return a.severity === "critical" && a.state === "open"; })
      .map(function (a) { return String(a.id); });
    var fresh = heardCritical === null ? [] : ids.filter(function (id) { return !heardCritical[id]; });
    heardCritical = heardCritical || {};
    ids.forEach(function (id) { heardCritical[id] = true; });
    if (s.sound && fresh.length) {
      var played = new Audio("/assets/alert-critical.wav").play();
      if (played && played.catch) { played.catch(function () {}); }
    }
  }

  function render(s) {
    chimeForNewCritical(s);
    ui.port.textContent = s.port;
    ui.title.textContent = s.title;
    ui.clock.textContent = s.local;
    ui["clock-sub"].textContent = s.local_date + " · " + s.tz + " · " + s.utc;
    ui["alerts-title"].textContent = s.strings.alerts;
    ui.age.textContent = s.strings.age + ": " + (s.age_s === null ? "—" : s.age_s + " s");
    replace(ui.kpis, "kpis", s.kpis, function (el, tiles) {
      tiles.forEach(function (tile) {
        var box = node("div", "kpi " + tile.level);
        box.id = "kpi-" + tile.key;
        box.appendChild(node("span", "v", tile.value));
        box.appendChild(node("span", "l", tile.label));
        el.appendChild(box);
      });
    });
    replace(ui.feeds, "feeds", s.feeds, function (el, feeds) {
      el.appendChild(node("span", "", s.strings.feeds));
      feeds.forEach(function (f) {
        var item = node("span", "feed");
        item.appendChild(node("span", "light" + (f.ok ? "" : f.verdict === "late" ? " late" : " bad")));
        item.appendChild(node("span", "", f.source.split(/[/:]/).pop()));
        item.title = f.source;
        item.dataset.ok = f.ok ? "1" : "0";
        item.dataset.verdict = f.verdict;
        el.appendChild(item);
      });
    });
    replace(ui.alerts, "alerts", s.alerts, function (el, alerts) {
      if (!alerts.length) { el.appendChild(node("li", "", s.strings.no_alerts)); }
      alerts.slice(0, 12).forEach(function (a) {
        var li = node("li", a.severity + " " + a.state);
        li.dataset.alert = a.id;
        li.appendChild(node("span", "at", a.at));
        li.appendChild(document.createTextNode(a.title));
        el.appendChild(li);
      });
    });
    replace(ui.ticker, "ticker", s.alerts.map(function (a) { return [a.severity, a.title]; }), function (el, items) {
      items.forEach(function (it) { el.appendChild(node("span", it[0], "● " + it[1])); });
    });
    if (s.focus) {
      replace(ui.focus, "focus", s.focus, function (el, f) {
        el.appendChild(document.createTextNode(f.label + ": " + f.title));
        el.appendChild(node("span", "cams", f.cameras.length ? f.seen_by + " " + f.cameras.join(", ") : ""));
      });
      ui.focus.hidden = false;
      ui["view-label"].hidden = true;
    } else {
      ui.focus.hidden = true;
      ui["view-label"].hidden = false;
      wall.shown.focus = null;
    }
  }

  function poll() {
    if (busy.state) { return; }
    if (performance.clearResourceTimings) { performance.clearResourceTimings(); }   // an all-day page keeps none
    busy.state = true;
    get("/wall/state.json" + q, 2500).then(function (s) {
      var recovered = wall.down;
      wall.down = false;
      wall.lastOk = Date.now();
      ui.outage.hidden = true;
      wall.state = s;
      render(s);
      if (recovered || wall.needFigure) { loadFigure(); }
    }).catch(function () { /* counted by watch() */ }).then(function () { busy.state = false; });
  }

  function watch() {                     // the outage banner: 3 s without an answer
    var silent = Date.now() - wall.lastOk;
    if (silent >= 3000) {
      if (!wall.down) {
        wall.down = true;
        var at = new Date(wall.lastOk).toISOString().substring(11, 19) + " UTC";
        var template = (wall.state && wall.state.strings.outage) || "No answer from the server since {at}";
        ui.outage.textContent = template.replace("{at}", at);
      }
      ui.outage.hidden = false;
    }
  }

  poll();
  setInterval(poll, 1000);
  setInterval(watch, 500);
  setInterval(rotate, 1000);
  var liveEvery = params.has("live") ? Number(params.get("live")) : 3;     // seconds; ?live=0: map never redrawn
  if (liveEvery > 0) { setInterval(refreshLive, liveEvery * 1000); }
})();
