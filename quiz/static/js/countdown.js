// A countdown to an instant the server gave in seconds ([data-countdown]), kept on the
// browser's monotonic clock so a phone's wrong time never shows. At zero it says so
// ([data-done]) without reloading: everyone's page reaches zero at the same instant.
(function () {
  "use strict";
  var el = document.querySelector("[data-countdown]");
  if (!el) return;
  var shown = el.querySelector("time");
  var end = performance.now() + Number(el.dataset.countdown) * 1000;
  var pad = function (n) { return String(n).padStart(2, "0"); };
  var days = shown.textContent.match(/^\d+\s+(\S+)\s/);
  var tick = function () {
    var left = Math.max(0, Math.ceil((end - performance.now()) / 1000));
    var d = Math.floor(left / 86400);
    shown.textContent = (d && days ? d + " " + days[1] + " " : "") +
      Math.floor(left % 86400 / 3600) + ":" + pad(Math.floor(left % 3600 / 60)) + ":" + pad(left % 60);
    if (left === 0) { if (el.dataset.done) el.textContent = el.dataset.done; return; }
    setTimeout(tick, 1000 - (performance.now() % 1000));
  };
  tick();
})();
