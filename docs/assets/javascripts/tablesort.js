/* Sortable tables for the comparison pages: our own ~50 lines, nothing loaded from elsewhere.
 * A table inside <div class="kb-sortable"> gets a button in each column heading; pressing it sorts
 * the rows (numbers by value, dates and text alphabetically, empty cells last) and sets aria-sort. */
(function () {
  "use strict";

  function sortKey(cell) {
    // A cell may carry its value for sorting (a figure's number, a date) when its text starts otherwise.
    if (cell.hasAttribute("data-sort")) {
      var key = cell.getAttribute("data-sort");
      return key !== "" && !isNaN(Number(key)) ? Number(key) : key;
    }
    var text = cell.textContent.replace(/\[\d+\]|\s+/g, " ").trim();
    if (text === "" || text === "\u2014") return null;
    if (/^\d{4}(-\d{2}){0,2}\b/.test(text)) return text;
    var number = text.replace(/^(USD|EUR|GBP|JPY|median|mean)\s+/i, "").match(/^-?[\d,]*\.?\d+/);
    return number ? parseFloat(number[0].replace(/,/g, "")) : text.toLowerCase();
  }

  function compare(a, b) {
    if (a === null) return b === null ? 0 : 1;
    if (b === null) return -1;
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b));
  }

  function sortBy(table, column, button) {
    var header = button.closest("th");
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var a = sortKey(r1.cells[column]), b = sortKey(r2.cells[column]);
      if (a === null || b === null) return compare(a, b);  // empty cells last, in either order
      return ascending ? compare(a, b) : -compare(a, b);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function enhance(table) {
    if (table.dataset.kbSortable || !table.tHead || !table.tBodies.length) return;
    table.dataset.kbSortable = "true";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "kb-sort";
      button.textContent = th.textContent;
      button.addEventListener("click", function () { sortBy(table, column, button); });
      th.textContent = "";
      th.appendChild(button);
    });
  }

  // Loaded at the end of the content of a page with a sortable table only (docs/overrides/main.html), after the
  // tables; instant navigation runs it again each time it brings in such a page.
  document.querySelectorAll(".kb-sortable table").forEach(enhance);
})();
