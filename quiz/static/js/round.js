// The round page while a student waits for the round: a countdown that follows
// the server's remaining seconds (never the phone's clock), the "Start now"
// button enabled at the instant, and the student's paper fetched ahead, sealed
// (AES-GCM): nothing of it can be read until the start gives out its key. At
// the instant the start is one small request; the questions are opened here and
// the attempt runs on this page (attempt.js). Whenever that cannot happen (an old
// browser, no paper, a paper drawn again since) the start is a plain form post
// that loads the attempt page; without JavaScript the button is there from the
// start and, pressed early, says the round has not opened yet.
(function () {
  "use strict";
  var form = document.querySelector("[data-start-form]");
  var button = form && form.querySelector("[data-start-button]");
  var shell = document.querySelector(".attempt[data-attempt][hidden]");
  var card = document.querySelector("[data-round-card]");
  var wait = document.querySelector("[data-opens-in]");
  var parcel = null;
  var CONTEXT = new TextEncoder().encode("quiz paper v1");

  // --- the countdown to the instant
  if (wait) {
    var countdown = wait.querySelector("time");
    var opensAt = performance.now() + Number(wait.dataset.opensIn) * 1000;
    if (button) button.disabled = true;
    var pad = function (n) { return String(n).padStart(2, "0"); };
    var tick = function () {
      var left = Math.max(0, Math.ceil((opensAt - performance.now()) / 1000));
      var hours = Math.floor(left / 3600);
      countdown.textContent = (hours ? hours + ":" + pad(Math.floor(left / 60) % 60)
                                     : Math.floor(left / 60)) + ":" + pad(left % 60);
      if (left === 0) {
        wait.querySelector("[data-waiting]").hidden = true;
        wait.querySelector("[data-open]").hidden = false;
        if (button) { button.disabled = false; button.focus(); }
        return;
      }
      setTimeout(tick, 250);
    };
    tick();
  }
  if (!form || !shell || !window.fetch || !window.crypto || !crypto.subtle ||
      !window.DecompressionStream || !window.quizAttempt) return;

  // --- the sealed paper, fetched while waiting
  fetch(form.dataset.paper, { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (found) { parcel = found; if (found) form.dataset.sealed = "ready"; })
    .catch(function () { /* no paper ahead: the start loads the attempt page */ });

  function bytes(text) {
    var plain = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    var out = new Uint8Array(plain.length);
    for (var i = 0; i < plain.length; i++) out[i] = plain.charCodeAt(i);
    return out;
  }
  function open(key) {
    return crypto.subtle.importKey("raw", bytes(key), "AES-GCM", false, ["decrypt"])
      .then(function (secret) {
        return crypto.subtle.decrypt(
          { name: "AES-GCM", iv: bytes(parcel.iv), additionalData: CONTEXT }, secret,
          bytes(parcel.sealed));
      })
      .then(function (packed) {
        var stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("deflate"));
        return new Response(stream).text();
      });
  }
  function mount(answer, html) {
    shell.querySelector("[data-items]").innerHTML = html;
    shell.querySelectorAll(".answer-form").forEach(function (f) { f.action = answer.answer_url; });
    shell.dataset.attempt = answer.attempt;
    shell.dataset.remaining = answer.remaining_seconds;
    shell.dataset.result = answer.result_url;
    shell.dataset.confirm = answer.confirm_url;
    document.getElementById("finish-link").href = answer.confirm_url;
    history.replaceState(null, "", answer.url);
    document.title = answer.title;
    card.hidden = true;
    // As on the attempt page: the brand only, no menu to leave the attempt by.
    document.querySelectorAll("#main-menu, .menu-button").forEach(function (n) { n.remove(); });
    shell.hidden = false;
    window.quizAttempt.run(shell);
  }

  // --- the start: one small request at the instant, retried while the network is busy
  var tries = 0;
  function start() {
    var body = new FormData(form);
    body.append("paper", parcel.key_id);
    fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { form.submit(); return null; }  // the server says why, as a page
      return response.json();
    }).then(function (answer) {
      if (!answer) return;
      if (!answer.key) { window.location.href = answer.url; return; }
      return open(answer.key).then(function (html) { mount(answer, html); },
                                   function () { window.location.href = answer.url; });
    }).catch(function () {
      if (++tries < 6) { setTimeout(start, 1000 * Math.pow(2, tries - 1)); return; }
      form.submit();
    });
  }
  form.addEventListener("submit", function (event) {
    if (!parcel) return;  // a plain form post
    event.preventDefault();
    if (button) button.disabled = true;
    start();
  });
})();
