// Dash's callback requests are POSTs: each carries the session's CSRF token (app/gate.py), read from the
// portmap_csrf cookie that only pages of this server can read. Loaded before Dash's renderer starts.
(function () {
  var original = window.fetch;
  function token() {
    var m = document.cookie.match(/(?:^|;\s*)portmap_csrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  window.fetch = function (input, init) {
    init = Object.assign({}, init || {});
    var method = (init.method || (input && input.method) || "GET").toUpperCase();
    var url = typeof input === "string" ? input : (input && input.url) || "";
    var sameOrigin = url.indexOf("://") < 0 || url.indexOf(window.location.origin + "/") === 0;
    if (sameOrigin && method !== "GET" && method !== "HEAD") {
      var headers = new Headers(init.headers || (typeof input !== "string" && input.headers) || {});
      headers.set("X-CSRF-Token", token());
      init.headers = headers;
    }
    return original.call(this, input, init);
  };
})();
