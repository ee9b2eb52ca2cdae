/* Live updates without a framework: listen on /ws/live/ and, when something changes,
   fetch this same page and swap the [data-live] part. Reconnects with ?after=<cursor>
   (the server's `cursor` on its last message: what this socket already got), so nothing
   is missed or repeated while the phone was offline.

   The part says how it listens: data-after="<cursor of what the page shows>" and
   data-topics="facility.3.places" (public topics). Its data-live-state is "open" while
   the socket is up. A swap never throws away what someone is typing: it waits while a
   field has the focus, keeps what was typed or picked, and <details> they opened stay open. */
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  if (!root || !window.WebSocket || !window.fetch || !window.DOMParser) { return; }
  var after = root.getAttribute("data-after") || "";
  var topics = root.getAttribute("data-topics") || "";
  var pending = null;
  var backoff = 1000;
  var opened = false;
  var SILENCE_MS = 70000; // the server beats every 25 s; longer quiet means a dead link
  var watchdog = null;

  function typing() {
    var active = document.activeElement;
    return !!(active && root.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName) &&
              !/^(submit|button|hidden|checkbox|radio)$/.test(active.type || ""));
  }

  function fieldKey(field) {
    var owner = field.closest("[id]");
    return (owner && root.contains(owner) ? owner.id : "") + "|" + (field.name || "");
  }

  function typedValues() {
    var values = {};
    var fields = root.querySelectorAll("input[type=text], textarea, select");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value) { values[fieldKey(fields[i])] = fields[i].value; }
    }
    return values;
  }

  function detailsKey(details) {
    if (details.id) { return "#" + details.id; }
    var owner = details.parentElement && details.parentElement.closest("[id]");
    var scope = owner && root.contains(owner) ? owner : root;
    var all = scope.querySelectorAll("details");
    return (scope === root ? "" : "#" + scope.id) + "/" + Array.prototype.indexOf.call(all, details);
  }

  function openDetails() {
    var keys = {};
    var all = root.querySelectorAll("details[open]");
    for (var i = 0; i < all.length; i++) { keys[detailsKey(all[i])] = true; }
    return keys;
  }

  function swap(fresh) {
    var keep = openDetails();
    var typed = typedValues();
    root.innerHTML = fresh.innerHTML;
    var all = root.querySelectorAll("details");
    for (var i = 0; i < all.length; i++) { if (keep[detailsKey(all[i])]) { all[i].open = true; } }
    var fields = root.querySelectorAll("input[type=text], textarea, select");
    for (var j = 0; j < fields.length; j++) {
      var value = typed[fieldKey(fields[j])];
      if (value) { fields[j].value = value; }
    }
    root.setAttribute("data-updated", String(Date.now()));
  }

  // The menu's "Messages (n)" lies outside the live part: take it from the same fetch.
  function swapUnread(doc) {
    var mine = document.querySelector("[data-live-unread]");
    var theirs = doc.querySelector("[data-live-unread]");
    if (mine && theirs && mine.innerHTML !== theirs.innerHTML) { mine.innerHTML = theirs.innerHTML; }
  }

  function refresh() {
    pending = null;
    if (typing()) { schedule(2000); return; }
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store",
                                  headers: { "X-Live": "1" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("[data-live]");
        if (!fresh) { return; }
        if (typing()) { schedule(2000); return; } // they started typing while we fetched
        swap(fresh);
        swapUnread(doc);
      })
      .catch(function () { /* offline: the next event or reconnect refreshes */ });
  }

  function schedule(delay) {
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(refresh, delay || 250);
  }

  function open() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var query = [];
    if (after) { query.push("after=" + encodeURIComponent(after)); }
    if (topics) { query.push("topics=" + encodeURIComponent(topics)); }
    var ws = new WebSocket(scheme + window.location.host + "/ws/live/" +
                           (query.length ? "?" + query.join("&") : ""));
    function alive() {
      if (watchdog) { clearTimeout(watchdog); }
      watchdog = setTimeout(function () { ws.close(); }, SILENCE_MS);
    }
    ws.onopen = function () {
      backoff = 1000;
      root.setAttribute("data-live-state", "open");
      alive();
      // Public topics are not replayed: after a drop, show the state as it is now.
      if (opened) { schedule(); }
      opened = true;
    };
    ws.onmessage = function (e) {
      var msg;
      alive();
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      if (msg.cursor) { after = String(msg.cursor); }
      if (msg.type === "heartbeat" || msg.type === "pong") { return; }
      schedule();
    };
    ws.onclose = function () {
      if (watchdog) { clearTimeout(watchdog); }
      root.setAttribute("data-live-state", "closed");
      setTimeout(open, backoff + Math.random() * 1000);
      backoff = Math.min(backoff * 2, 30000);
    };
  }
  open();
}());
