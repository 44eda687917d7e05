// Refreshes the live monitor's figures every 5 seconds without reloading the page:
// the server renders them (the same fragment the page was built with). Without
// JavaScript the page reloads itself (a <noscript> refresh).
(function () {
  var box = document.getElementById("monitor-figures");
  if (!box) return;
  var busy = false;
  function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(box.dataset.refresh, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) box.innerHTML = html; })
      .catch(function () { /* the next refresh tries again */ })
      .then(function () { busy = false; });
  }
  setInterval(refresh, 5000);
})();
