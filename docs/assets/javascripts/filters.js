/* Filters for the lists on index and comparison pages (the form is written by the build from the schemas'
 * facets; see scripts/kb/site/facets.py). Without JavaScript the form stays hidden and the page is the
 * whole list. Here the form shows; ticking a box hides the rows that do not match: a row must have one of the
 * ticked values of every facet with a ticked box (OR within a facet, AND across facets). The URL keeps the
 * choice (?disease=b-all&phase=phase-2), so a filtered list can be shared or bookmarked. A list cut into pages
 * (an index of more than a hundred entries) names its pages on the form: the first choice brings in the rows of
 * the other pages (fetched from this site, once), which then show wherever they match, in the list's order; with
 * no box ticked, the page shows its own rows only. If they cannot be fetched (a copy of the site opened from
 * files), the filters apply to this page and say so. While the rows of every page are shown, the links to the
 * list's other pages are hidden. */
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

  // The rows of the list's other pages, fetched once: a promise of whether they are in. Each comes after the
  // rows of the pages before it, marked as from elsewhere, its links made absolute (they were relative to its own
  // page).
  function bringInOtherPages(form, list) {
    if (form.kbOtherPages) return form.kbOtherPages;
    var pages = (form.getAttribute("data-kb-pages") || "").split(" ").filter(Boolean);
    var here = Number(form.getAttribute("data-kb-page")) - 1;
    form.kbOtherPages = Promise.all(pages.map(function (href, number) {
      return number === here ? null : rowsOf(new URL(href, window.location.href), list.id);
    })).then(function (rowsByPage) {
      var body = list.tBodies[0];
      var first = body.rows[0] || null;
      rowsByPage.forEach(function (rows, number) {
        (rows || []).forEach(function (row) {
          row.setAttribute("data-kb-elsewhere", "");
          row.hidden = true;
          body.insertBefore(document.adoptNode(row), number < here ? first : null);
        });
      });
      return true;
    }, function () { return false; });
    return form.kbOtherPages;
  }

  function rowsOf(url, listId) {
    return window.fetch(url).then(function (response) {
      if (!response.ok) throw new Error(url + ": " + response.status);
      return response.text();
    }).then(function (text) {
      var list = new DOMParser().parseFromString(text, "text/html").getElementById(listId);
      var rows = list && list.tBodies.length ? Array.prototype.slice.call(list.tBodies[0].rows) : [];
      rows.forEach(function (row) {
        row.querySelectorAll("[href]").forEach(function (link) {
          link.setAttribute("href", new URL(link.getAttribute("href"), url).href);
        });
      });
      return rows;
    });
  }

  function apply(form, rememberInUrl) {
    var list = document.getElementById(form.getAttribute("data-kb-filters"));
    if (!list || !list.tBodies.length) return;
    var picks = chosen(form);
    var filtering = Object.keys(picks).length > 0;
    var waiting = filtering && form.hasAttribute("data-kb-pages") && form.kbReach === undefined;
    var status = form.querySelector(".kb-filters-status");
    if (rememberInUrl) keepInUrl(form, picks);
    if (waiting) {
      status.textContent = "Loading the other pages of the list…";
      bringInOtherPages(form, list).then(function (inAll) {
        form.kbReach = inAll;
        apply(form, false);
      });
    }
    var rows = list.tBodies[0].rows;
    var own = 0, shown = 0;
    Array.prototype.forEach.call(rows, function (row) {
      var elsewhere = row.hasAttribute("data-kb-elsewhere");
      row.hidden = (elsewhere && !filtering) || !matches(row, picks);
      if (!elsewhere) own += 1;
      if (!row.hidden) shown += 1;
    });
    if (!waiting) status.textContent = statusOf(form, filtering, shown, own, rows.length);
    // While the filtered list holds the matching rows of every page, the links to the other pages (which show
    // their own rows, unfiltered) are hidden.
    document.querySelectorAll("nav.kb-pages").forEach(function (links) {
      links.hidden = filtering && form.kbReach === true;
    });
  }

  function statusOf(form, filtering, shown, own, listed) {
    var noun = form.getAttribute("data-kb-noun");
    var total = form.getAttribute("data-kb-total");
    if (!filtering)
      return total ? "Showing the " + own + " " + noun + " of this page (" + total + " in the list)."
                   : "Showing all " + own + " " + noun + ".";
    if (shown === 0)
      return "No " + noun + " match these filters.";
    if (form.kbReach === false)
      return "Showing " + shown + " of this page's " + own + " " + noun
        + " (the other pages of the list could not be loaded).";
    return "Showing " + shown + " of " + listed + " " + noun + (total ? ", from every page of the list." : ".");
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
