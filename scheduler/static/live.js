/* Live updates without a framework: listen on /ws/live/ and, when something changes,
   fetch this same page and swap the [data-live] part. Reconnects with ?after=<last id>
   so nothing is missed while the phone was offline. */
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  if (!root || !window.WebSocket || !window.fetch || !window.DOMParser) { return; }
  var after = root.getAttribute("data-after") || "0";
  var topics = root.getAttribute("data-topics") || "";
  var pending = null;
  var backoff = 1000;

  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Live": "1" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-live]");
        if (fresh) { root.innerHTML = fresh.innerHTML; root.setAttribute("data-updated", String(Date.now())); }
      })
      .catch(function () { /* offline: the next event or reconnect refreshes */ });
  }

  function schedule() {
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(refresh, 250);
  }

  function open() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + window.location.host + "/ws/live/?after=" + encodeURIComponent(after) +
      (topics ? "&topics=" + encodeURIComponent(topics) : "");
    var ws = new WebSocket(url);
    ws.onopen = function () { backoff = 1000; };
    ws.onmessage = function (e) {
      var msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      if (msg.type === "heartbeat" || msg.type === "pong") { return; }
      if (msg.id) { after = String(msg.id); }
      schedule();
    };
    ws.onclose = function () {
      setTimeout(open, backoff + Math.random() * 1000);
      backoff = Math.min(backoff * 2, 30000);
    };
  }
  open();
}());
