// The attempt page: one question per screen, answers saved as soon as they are
// chosen, unsent answers kept in this browser and retried until the server has
// them, a countdown that follows the server's deadline, automatic submission at
// zero. Without JavaScript the page still works with plain form posts.
(function () {
  "use strict";
  // The round page calls run() itself once the start has opened the sealed paper.
  window.quizAttempt = { run: run };
  var shown = document.querySelector("[data-attempt]:not([hidden])");
  if (shown) run(shown);

  function run(root) {
    var id = root.dataset.attempt;
    var csrf = root.dataset.csrf;
    var count = Number(root.dataset.count);
    var queueKey = "quiz-attempt-" + id + "-pending";
    var flagKey = "quiz-attempt-" + id + "-flags";
    var placeKey = "quiz-attempt-" + id + "-position";
    var stateEl = document.getElementById("save-state");
    var alertEl = document.getElementById("time-alert");
    var countdownEl = document.getElementById("countdown");
    var finished = false;

    function load(key, fallback) {
      try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
    }
    function store(key, value) {
      try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ }
    }
    var pending = load(queueKey, {});
    var flags = load(flagKey, {});

    // --- the countdown follows the server: remaining seconds, measured on a monotonic clock
    var deadline = performance.now() + Number(root.dataset.remaining) * 1000;
    function resync(remainingSeconds) {
      // The server's clock is the only clock: its answer replaces the local estimate.
      deadline = performance.now() + remainingSeconds * 1000;
    }
    var warned = {};
    // A warning is said when the time left crosses it: a 45-second round does not
    // open on "1 minute left".
    var leftAtLoad = Number(root.dataset.remaining);
    function tick() {
      var leftMs = deadline - performance.now();
      var left = Math.max(0, Math.ceil(leftMs / 1000));
      countdownEl.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      [[300, "msgFive"], [60, "msgOne"]].forEach(function (w) {
        if (left <= w[0] && left > 0 && !warned[w[0]]) {
          warned[w[0]] = true;
          if (leftAtLoad > w[0]) {
            alertEl.textContent = root.dataset[w[1]];
            alertEl.hidden = false;
          }
          root.classList.add(w[0] === 60 ? "last-minute" : "last-minutes");
        }
      });
      // Submitted a second after the local zero (the server's whole seconds are rounded
      // up): the deadline has passed on the server too, so the result says the time
      // ran out; the grace period covers the answers still on their way.
      if (leftMs <= -1000 && !finished) { finished = true; timeUp(); return; }
      setTimeout(tick, 250);
    }

    // --- saving
    function setState(text, kind) {
      stateEl.textContent = text;
      stateEl.className = "save-state " + (kind || "");
    }
    function choicesOf(position) {
      var section = document.querySelector('.item[data-position="' + position + '"]');
      return Array.prototype.map.call(section.querySelectorAll('input[name="choices"]:checked'),
        function (input) { return input.value; });
    }
    function mark(position) {
      var link = document.querySelector('.navigator a[data-position="' + position + '"]');
      var answered = choicesOf(position).length > 0;
      // An answer still waiting on this device is not shown as saved.
      var queued = answered && Object.prototype.hasOwnProperty.call(pending, position);
      link.classList.toggle("answered", answered && !queued);
      link.classList.toggle("queued", queued);
      link.classList.toggle("unanswered", !answered);
      link.classList.toggle("flagged", !!flags[position]);
      var counter = document.querySelector("[data-answered-count]");
      if (counter) counter.textContent = document.querySelectorAll(".navigator a.answered").length;
    }
    // One drain at a time sends every pending answer in turn; it resolves once the
    // queue is empty and rejects when the network (or the server) fails, so that
    // finishing or submitting never runs ahead of an answer still on its way.
    var draining = null;
    var late = false;
    var retryDelay = 1000;
    var retryTimer = null;
    function drain() {
      if (!draining) {
        draining = sendAll().then(function () { draining = null; },
                                  function (error) { draining = null; throw error; });
      }
      return draining;
    }
    function sendAll() {
      var positions = Object.keys(pending);
      if (!positions.length || late) {
        if (!late && Object.keys(pending).length === 0 && stateEl.textContent) {
          setState(root.dataset.msgSaved, "saved");
        }
        return Promise.resolve();
      }
      var position = positions[0];
      var choices = pending[position];
      setState(root.dataset.msgSaving, "saving");
      return fetch("/api/v1/attempts/" + id + "/answers/" + position, {
        method: "PUT",
        credentials: "same-origin",
        keepalive: true,
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ choices: choices })
      }).then(function (response) {
        if (response.ok) {
          // A newer choice made while this one was on its way stays queued.
          if (JSON.stringify(pending[position]) === JSON.stringify(choices)) delete pending[position];
          store(queueKey, pending);
          mark(position);
          retryDelay = 1000;
          return response.json().then(function (body) {
            resync(body.remaining_seconds);
            setState(root.dataset.msgSaved, "saved");
            return sendAll();
          });
        }
        if (response.status === 409) {
          late = true;
          pending = {};
          store(queueKey, pending);
          setState(root.dataset.msgLate, "error");
          window.location.href = root.dataset.result;
          return undefined;
        }
        if (response.status === 422 || response.status === 404) {
          delete pending[position];  // the server will never take it: do not retry forever
          store(queueKey, pending);
          return sendAll();
        }
        throw new Error("status " + response.status);  // 429, 5xx: keep it and retry
      });
    }
    var finishWanted = false;
    function flush() {
      return drain().then(function () {
        // Finishing waited for the network: it goes on once everything is sent.
        if (finishWanted && !finished) window.location.href = root.dataset.confirm;
      }, function () {
        setState(root.dataset.msgOffline, "offline");
        clearTimeout(retryTimer);
        retryTimer = setTimeout(flush, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 15000);
        throw new Error("not sent yet");
      });
    }
    function flushQuietly() { flush().catch(function () { /* retried by the timer */ }); }
    window.addEventListener("online", function () { retryDelay = 1000; flushQuietly(); });
    // A phone that slept may have paused this page's clock: ask the server again.
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState !== "visible" || finished) return;
      fetch("/api/v1/attempts/" + id, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (!body) return;
          if (body.status !== "in_progress") { window.location.href = root.dataset.result; return; }
          resync(body.remaining_seconds);
        }).catch(function () { /* offline: the local countdown goes on */ });
      flushQuietly();
    });

    // --- navigation: one question per screen
    function show(position, quiet) {
      position = Math.min(Math.max(Number(position), 1), count);
      document.querySelectorAll(".item").forEach(function (section) {
        var current = Number(section.dataset.position) === position;
        section.hidden = !current;
        section.classList.toggle("current", current);
      });
      document.querySelectorAll(".navigator a").forEach(function (link) {
        var current = Number(link.dataset.position) === position;
        link.classList.toggle("current", current);
        if (current) link.setAttribute("aria-current", "step"); else link.removeAttribute("aria-current");
      });
      store(placeKey, position);
      history.replaceState(null, "", "?q=" + position);
      // Moving to a question takes the reader (and a screen reader) to its title;
      // opening the page does not draw a focus box on it.
      var title = document.getElementById("q" + position + "-title");
      if (title && !quiet) { title.setAttribute("tabindex", "-1"); title.focus({ preventScroll: false }); }
    }
    var navigator = document.querySelector("details.navigator");
    document.querySelectorAll(".navigator a").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        if (navigator) navigator.open = false;
        show(link.dataset.position);
      });
    });
    document.querySelectorAll(".answer-form").forEach(function (form) {
      var position = form.querySelector('input[name="position"]').value;
      form.addEventListener("change", function (event) {
        if (event.target.classList.contains("flag-toggle")) {
          flags[position] = event.target.checked;
          store(flagKey, flags);
          mark(position);
          return;
        }
        pending[position] = choicesOf(position);
        store(queueKey, pending);
        mark(position);
        flushQuietly();
      });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = event.submitter;
        if (button && button.dataset.finish) { finish(); return; }
        if (button && button.dataset.go) show(button.dataset.go);
      });
    });
    function finish() {
      // Only once every answer is on the server: the confirmation page lists what it has.
      finishWanted = true;
      flush().catch(function () {
        alertEl.textContent = root.dataset.msgFinishWait;
        alertEl.hidden = false;
      });
    }
    document.getElementById("finish-link").addEventListener("click", function (event) {
      event.preventDefault();
      finish();
    });

    var submitTries = 0;
    function timeUp() {
      alertEl.textContent = root.dataset.msgZero;
      alertEl.hidden = false;
      // Send what is still queued first (the grace period covers this), then submit;
      // after a few failed tries submit anyway: the server keeps what arrived in time.
      drain().catch(function () {
        if (++submitTries < 5) return new Promise(function (_ok, fail) {
          setTimeout(function () { fail(new Error("retry")); }, 1000);
        });
        return undefined;
      }).then(function () {
        return fetch("/api/v1/attempts/" + id + "/submit", {
          method: "POST", credentials: "same-origin", keepalive: true,
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: "{}"
        });
      }).then(function (response) {
        if (response && response.ok) window.location.href = root.dataset.result;
        else throw new Error("submit");
      }).catch(function () { setTimeout(timeUp, 2000); });
    }

    // --- resume: answers still waiting in this browser win over what the page shows
    Object.keys(pending).forEach(function (position) {
      var section = document.querySelector('.item[data-position="' + position + '"]');
      if (!section) return;
      section.querySelectorAll('input[name="choices"]').forEach(function (input) {
        input.checked = pending[position].indexOf(input.value) !== -1;
      });
    });
    for (var p = 1; p <= count; p++) {
      var toggle = document.querySelector('.flag-toggle[data-position="' + p + '"]');
      if (toggle) toggle.checked = !!flags[p];
      mark(p);
    }
    var params = new URLSearchParams(window.location.search);
    show(params.get("q") || load(placeKey, null) || document.querySelector(".item.current").dataset.position, true);
    if (Object.keys(pending).length) flushQuietly(); else setState("", "");
    tick();
  }
})();
