/* Demo phone simulator: reload the thread every 15 s to show new texts, but never while the
   visitor is typing a reply (focus in the field, or anything typed in it): a reload would wipe
   it. A static file, so the page's Content-Security-Policy needs no inline script; without
   JavaScript the <noscript> meta refresh in the page does the reloading. */
(function () {
  "use strict";
  var field = document.getElementById("reply-body");
  var seconds = 15;

  function typing() {
    return field && (document.activeElement === field || field.value.trim() !== "");
  }

  window.setInterval(function () {
    if (document.hidden || typing()) return;
    window.location.reload();
  }, seconds * 1000);
})();
