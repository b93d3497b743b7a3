// Comity's only script of its own: warn before an idle session ends. Pages work without it.
(function () {
  "use strict";
  var body = document.body;
  var expires = body && body.getAttribute("data-session-expires");
  if (!expires) { return; }
  var end = Date.parse(expires);
  if (isNaN(end)) { return; }
  var warnAt = end - 2 * 60 * 1000;
  var box = document.getElementById("session-warning");
  function tick() {
    var now = Date.now();
    if (now >= warnAt && box && box.hidden) {
      box.textContent = body.getAttribute("data-warning");
      box.hidden = false;
    }
    if (now < end) { window.setTimeout(tick, 15000); }
  }
  tick();
})();
