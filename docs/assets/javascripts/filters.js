/* Filters for the lists on index and comparison pages (the form is written by the build from the schemas'
 * facets; see scripts/kb/site/facets.py). Without JavaScript the form stays hidden and the page is the
 * whole list. Here the form shows; ticking a box hides the rows that do not match: a row must have one of the
 * ticked values of every facet with a ticked box (OR within a facet, AND across facets). The URL keeps the
 * choice (?disease=b-all&phase=phase-2), so a filtered list can be shared or bookmarked. Nothing is fetched. */
(function () {
  "use strict";

  function chosen(form) {
    var picks = {};
    form.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
      (picks[box.name] = picks[box.name] || []).push(box.value);
    });
    return picks;
  }

  function matches(row, picks) {
    return Object.keys(picks).every(function (facet) {
      var values = (row.getAttribute("data-kb-" + facet) || "").split(" ");
      return picks[facet].some(function (value) { return values.indexOf(value) >= 0; });
    });
  }

  function keepInUrl(form, picks) {
    var params = new URLSearchParams(window.location.search);
    form.querySelectorAll("fieldset input[type=checkbox]").forEach(function (box) { params.delete(box.name); });
    Object.keys(picks).forEach(function (facet) {
      picks[facet].forEach(function (value) { params.append(facet, value); });
    });
    var query = params.toString();
    var url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    window.history.replaceState(window.history.state, "", url);
  }

  function apply(form, rememberInUrl) {
    var list = document.getElementById(form.getAttribute("data-kb-filters"));
    if (!list || !list.tBodies.length) return;
    var picks = chosen(form);
    var rows = list.tBodies[0].rows;
    var shown = 0;
    Array.prototype.forEach.call(rows, function (row) {
      row.hidden = !matches(row, picks);
      if (!row.hidden) shown += 1;
    });
    var noun = form.getAttribute("data-kb-noun");
    form.querySelector(".kb-filters-status").textContent = Object.keys(picks).length === 0
      ? "Showing all " + rows.length + " " + noun + "."
      : shown === 0 ? "No " + noun + " match these filters." : "Showing " + shown + " of " + rows.length + " " + noun + ".";
    if (rememberInUrl) keepInUrl(form, picks);
  }

  function enhance(form) {
    if (form.getAttribute("data-kb-ready")) return;
    form.setAttribute("data-kb-ready", "true");
    var params = new URLSearchParams(window.location.search);
    form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      box.checked = params.getAll(box.name).indexOf(box.value) >= 0;
    });
    form.addEventListener("change", function () { apply(form, true); });
    // A reset clears the boxes after its event: filter once it has.
    form.addEventListener("reset", function () { window.setTimeout(function () { apply(form, true); }, 0); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.hidden = false;
    apply(form, false);
  }

  function enhanceAll() {
    document.querySelectorAll("form.kb-filters").forEach(enhance);
  }

  // Loaded at the end of the content of a page with filters only (docs/overrides/main.html), after the form and
  // its list; instant navigation runs it again each time it brings in such a page.
  enhanceAll();
})();
