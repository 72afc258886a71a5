/* The catalogue's search: filters the instruments by Chinese title as one types, no round trip. */
(function () {
  "use strict";
  var input = document.getElementById("catalogue-search");
  var count = document.getElementById("catalogue-count");
  var none = document.getElementById("catalogue-none");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("[data-group]"));
  var index = document.querySelector(".stage-index");

  function normalise(text) { return text.replace(/\s+/g, "").toLowerCase(); }

  function filter() {
    var query = normalise(input.value);
    var shown = 0;
    cards.forEach(function (card) {
      var hit = !query || normalise(card.dataset.title).indexOf(query) >= 0 || card.dataset.id.indexOf(query) >= 0;
      card.hidden = !hit;
      if (hit) shown += 1;
    });
    groups.forEach(function (group) {
      // While searching, a stage with no match is hidden; without a query every stage shows.
      group.hidden = !!query && !group.querySelector(".card:not([hidden])");
    });
    if (index) index.hidden = !!query;
    none.hidden = !query || shown > 0;
    count.textContent = query ? "找到 " + shown + " 种文书" : "";
  }

  input.addEventListener("input", filter);
  filter();
})();
