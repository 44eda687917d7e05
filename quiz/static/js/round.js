// The round page while a student waits for the round to open: a countdown that
// follows the server's remaining seconds (never the phone's clock), and the
// "Start now" button enabled at the instant. The attempt page's script and style
// are already in the browser's cache by then. Without JavaScript the button is
// there from the start; pressed early, it says the round has not opened yet.
(function () {
  "use strict";
  var wait = document.querySelector("[data-opens-in]");
  if (!wait) return;
  var countdown = wait.querySelector("time");
  var button = document.querySelector("[data-start-button]");
  var opensAt = performance.now() + Number(wait.dataset.opensIn) * 1000;
  if (button) button.disabled = true;
  function pad(n) { return String(n).padStart(2, "0"); }
  function tick() {
    var left = Math.max(0, Math.ceil((opensAt - performance.now()) / 1000));
    var hours = Math.floor(left / 3600);
    countdown.textContent = (hours ? hours + ":" + pad(Math.floor(left / 60) % 60) : Math.floor(left / 60))
      + ":" + pad(left % 60);
    if (left === 0) {
      wait.querySelector("[data-waiting]").hidden = true;
      wait.querySelector("[data-open]").hidden = false;
      if (button) { button.disabled = false; button.focus(); }
      return;
    }
    setTimeout(tick, 250);
  }
  tick();
})();
