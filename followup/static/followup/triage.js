/* Staff workspace behaviour. Small and dependency-free: every page works without it (forms post,
   links navigate); with it the queue refreshes itself, ages stay current and the enrollment form
   previews the check dates. */
(function () {
  "use strict";

  function formatAge(seconds) {
    if (seconds < 60) return "just now";
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + " min";
    var hours = Math.floor(minutes / 60);
    if (hours < 48) return hours + " h " + (minutes % 60) + " min";
    return Math.floor(hours / 24) + " days";
  }

  // The demo clock may be ahead of real time: the page says by how much (templates/base.html),
  // so ages and the "Updated" time are on the same clock as the server's figures.
  function clockNow() {
    var offset = parseInt(document.body.getAttribute("data-clock-offset-ms"), 10);
    return Date.now() + (isNaN(offset) ? 0 : offset);
  }

  function refreshAges(root) {
    var now = clockNow();
    (root || document).querySelectorAll("time[data-age]").forEach(function (el) {
      var then = Date.parse(el.getAttribute("datetime"));
      if (!isNaN(then)) el.textContent = formatAge(Math.max(0, (now - then) / 1000));
    });
  }

  function announce(text) {
    var live = document.getElementById("queue-live");
    if (!live) return;
    live.textContent = "";
    // A fresh text node makes screen readers speak it again even when the words repeat.
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function startQueue(table) {
    var body = document.getElementById("queue-body");
    var url = table.getAttribute("data-poll-url");
    var seconds = parseInt(table.getAttribute("data-poll-seconds"), 10) || 10;
    var signature = table.getAttribute("data-signature") || "";
    var status = document.getElementById("queue-updated");
    var busy = false;

    function ids(container) {
      var out = {};
      container.querySelectorAll("tr[data-id]").forEach(function (row) {
        out[row.getAttribute("data-id")] = row.getAttribute("data-tier");
      });
      return out;
    }

    function poll() {
      if (busy || document.hidden) return;
      busy = true;
      var sep = url.indexOf("?") === -1 ? "?" : "&";
      fetch(url + sep + "sig=" + encodeURIComponent(signature), {
        credentials: "same-origin",
        headers: { "X-Background-Refresh": "1" },
        cache: "no-store"
      }).then(function (response) {
        if (response.status === 401) {
          window.location.assign("/accounts/login/?idle=1&next=" + encodeURIComponent(location.pathname + location.search));
          return null;
        }
        if (status) status.textContent = "Updated " + new Date(clockNow()).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
        if (response.status === 204 || !response.ok) return null;
        signature = response.headers.get("X-Queue-Signature") || signature;
        var count = response.headers.get("X-Queue-Count");
        updateTiers(response.headers.get("X-Queue-Tiers") || "");
        return response.text().then(function (html) { swap(html, count); });
      }).catch(function () {
        if (status) status.textContent = "Connection lost, retrying";
      }).then(function () { busy = false; });
    }

    function updateTiers(header) {
      header.split(";").forEach(function (pair) {
        var parts = pair.split("=");
        var box = document.querySelector('[data-tier-summary="' + parts[0] + '"]');
        if (!box || parts.length !== 2) return;
        box.querySelector("[data-tier-count]").textContent = parts[1];
        box.hidden = parts[1] === "0";
      });
    }

    function swap(html, count) {
      var before = ids(body);
      var focusedId = document.activeElement && body.contains(document.activeElement) ? document.activeElement.id : "";
      var template = document.createElement("tbody");
      template.innerHTML = html;
      var after = ids(template);
      var arrived = Object.keys(after).filter(function (id) { return !(id in before); });
      body.innerHTML = template.innerHTML;
      arrived.forEach(function (id) {
        var row = body.querySelector('tr[data-id="' + id + '"]');
        if (row) row.classList.add("is-new");
      });
      refreshAges(body);
      if (focusedId) {
        var again = document.getElementById(focusedId);
        if (again) again.focus();
      }
      var counter = document.getElementById("queue-count");
      if (counter && count !== null) counter.textContent = count;
      document.title = "(" + count + ") Triage queue · Spine follow-up";
      if (arrived.length) {
        var tiers = arrived.map(function (id) { return after[id]; });
        var worst = tiers.indexOf("EMERGENCY") !== -1 ? "EMERGENCY" : tiers.indexOf("URGENT") !== -1 ? "URGENT" : "ROUTINE";
        announce(arrived.length + " new flag" + (arrived.length > 1 ? "s" : "") + " in the queue, highest " + worst + ".");
      }
    }

    window.setInterval(poll, seconds * 1000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });
  }

  function startPreview(form) {
    var target = document.getElementById("preview");
    var url = form.getAttribute("data-preview-url");
    if (!target || !url) return;
    var timer = null;
    function update() {
      var params = new URLSearchParams({
        procedure: form.elements["procedure"].value,
        performed_on: form.elements["performed_on"].value,
        time_zone: form.elements["patient.time_zone"].value
      });
      fetch(url + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { if (html) target.innerHTML = html; });
    }
    ["procedure", "performed_on", "patient.time_zone"].forEach(function (name) {
      var el = form.elements[name];
      if (el) el.addEventListener("change", function () { window.clearTimeout(timer); timer = window.setTimeout(update, 150); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    refreshAges(document);
    window.setInterval(function () { refreshAges(document); }, 30000);
    var table = document.querySelector("[data-poll-url]");
    if (table) startQueue(table);
    var form = document.querySelector("form[data-preview-url]");
    if (form) startPreview(form);
    // Server-side validation errors: take the keyboard to the summary.
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
