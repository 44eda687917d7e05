// Filters a long <select> as the student types (accents optional), so that the
// university list stays usable on a phone. Without JavaScript the select works alone.
(function () {
  function fold(text) {
    return text.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  document.querySelectorAll("input[data-filters]").forEach(function (input) {
    var select = document.getElementById(input.dataset.filters);
    if (!select) return;
    var options = Array.prototype.slice.call(select.options);
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var first = null;
      options.forEach(function (option) {
        var text = fold(option.text + " " + option.value);
        var match = !option.value || words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !match;
        if (match && option.value && !first) first = option;
      });
      var current = select.selectedOptions[0];
      if (first && words.length && (!select.value || (current && current.hidden))) {
        select.value = first.value;
      }
    });
  });
})();
