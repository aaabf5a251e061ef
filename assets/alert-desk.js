// The alert desk (issue 32): a new critical alert sounds a chime (/assets/alert-critical.wav, made by
// scripts/make_alert_sound.py) and flashes the alerts heading until the officer clicks the heading or an alert (or
// for 60 s). The sound is muted or unmuted per browser with the bell beside the heading (localStorage); the wall
// display does not load this script. The alerts already listed when the page opens are not new.
// <body data-critical-arrived> (time of the last new critical alert) and data-alert-sounded (chimes played) are
// for the tests.
(function () {
  var KEY = "portmap.alertSound", FLASH_MS = 60000;
  var known = null, audio = null, flashUntil = 0;
  function muted() {
    try { return window.localStorage.getItem(KEY) === "off"; } catch (e) { return false; }
  }
  function showBell() {
    var b = document.getElementById("alert-sound");
    if (!b) { return; }
    var off = muted();
    if (b.classList.contains("muted") !== off) { b.classList.toggle("muted", off); }
    b.setAttribute("aria-pressed", off ? "false" : "true");
  }
  function chime() {
    audio = audio || new Audio("/assets/alert-critical.wav");
    audio.currentTime = 0;
    var played = audio.play();
    var count = function () {
      document.body.dataset.alertSounded = String(Number(document.body.dataset.alertSounded || 0) + 1);
    };
    var refused = function (err) { document.body.dataset.alertSoundRefused = String(err && err.name); };
    if (played && played.then) { played.then(count, refused); } else { count(); }
  }
  function flash(on) {
    var h = document.getElementById("alerts-head");
    if (h) { h.classList.toggle("alerts-flash", on); }
    flashUntil = on ? Date.now() + FLASH_MS : 0;
  }
  document.addEventListener("click", function (e) {
    var target = e.target && e.target.closest ? e.target : null;
    if (!target) { return; }
    if (target.closest("#alert-sound")) {
      try { window.localStorage.setItem(KEY, muted() ? "on" : "off"); } catch (err) { /* private mode */ }
      showBell();
    } else if (target.closest("#alerts-head, .alert-row")) {
      flash(false);
    }
  });
  setInterval(function () {
    showBell();
    var list = document.getElementById("alert-list");
    if (!list || !list.children.length) { return; }
    var rows = list.querySelectorAll(".alert-row[data-severity=critical][data-state=open]");
    var ids = Array.prototype.map.call(rows, function (r) { return r.dataset.alert; });
    if (known === null) { known = {}; ids.forEach(function (id) { known[id] = true; }); return; }
    var fresh = ids.filter(function (id) { return !known[id]; });
    ids.forEach(function (id) { known[id] = true; });
    if (fresh.length) {
      document.body.dataset.criticalArrived = String(Date.now());
      flash(true);
      if (!muted()) { chime(); }
    } else if (flashUntil && Date.now() > flashUntil) {
      flash(false);
    }
  }, 500);
})();

// The side panel is resizable (CSS resize): when its width changes, the map refits to the space left.
(function () {
  if (!window.ResizeObserver) { return; }
  var timer = 0, width = 0;
  var watch = setInterval(function () {
    var side = document.querySelector(".side");
    if (!side) { return; }
    clearInterval(watch);
    new ResizeObserver(function (entries) {
      var w = Math.round(entries[0].contentRect.width);
      if (w === width) { return; }
      width = w;
      clearTimeout(timer);
      timer = setTimeout(function () { window.dispatchEvent(new Event("resize")); }, 150);
    }).observe(side);
  }, 250);
})();
