/* Inline script of the HTML report: the findings' filters and sorting (grid.js draws the access
   matrix). It never builds markup from data: every value goes through textContent or the title
   property, so nothing from AWS can become an element. */
(function () {
  "use strict";

  // -- findings: filters and sorting --------------------------------------------------------
  var table = document.getElementById("findings");
  if (table) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var fSev = document.getElementById("filter-severity");
    var fRule = document.getElementById("filter-rule");
    var fPersona = document.getElementById("filter-persona");
    var fText = document.getElementById("filter-text");
    var shown = document.getElementById("findings-shown");

    var applyFilters = function () {
      var sev = fSev.value, rule = fRule.value, persona = fPersona.value;
      var text = fText.value.trim().toLowerCase();
      var n = 0;
      rows.forEach(function (tr) {
        var ok = (!sev || tr.dataset.severity === sev) && (!rule || tr.dataset.rule === rule) &&
          (!persona || tr.dataset.persona === persona) &&
          (!text || tr.textContent.toLowerCase().indexOf(text) !== -1);
        tr.hidden = !ok;
        if (ok) { n += 1; }
      });
      shown.textContent = n + " of " + rows.length + " shown";
    };
    [fSev, fRule, fPersona].forEach(function (el) { el.addEventListener("change", applyFilters); });
    fText.addEventListener("input", applyFilters);
    applyFilters();

    var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
    var sortKey = function (tr, col) {
      var td = tr.cells[col];
      return td.dataset.sort !== undefined ? td.dataset.sort : td.textContent;
    };
    table.tHead.addEventListener("click", function (event) {
      var th = event.target.closest("th");
      if (!th) { return; }
      var col = th.cellIndex;
      // Severity starts most severe first; text columns start A to Z.
      var first = th.dataset.key === "severity" ? "descending" : "ascending";
      var current = th.getAttribute("aria-sort");
      var dir = current === first ? (first === "ascending" ? "descending" : "ascending") : first;
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) {
        c.setAttribute("aria-sort", "none");
      });
      th.setAttribute("aria-sort", dir);
      var sign = dir === "ascending" ? 1 : -1;
      rows.sort(function (x, y) { return sign * collator.compare(sortKey(x, col), sortKey(y, col)); });
      var frag = document.createDocumentFragment();
      rows.forEach(function (tr) { frag.appendChild(tr); });
      body.appendChild(frag);
    });
  }
})();
