/* Inline script of the HTML report. It never builds markup from data: every value goes through
   textContent or the title property, so nothing from AWS can become an element. */
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

  // -- access matrix: one delegated listener for every cell ---------------------------------
  var matrix = document.getElementById("matrix");
  var dataEl = document.getElementById("matrix-data");
  if (!matrix || !dataEl) { return; }
  var data = JSON.parse(dataEl.textContent);
  var str = function (i) { return i < 0 ? null : data.strings[i]; };
  var strs = function (list) { return list.map(str); };

  var cellInfo = function (td) {
    var tr = td.parentElement;
    if (td.tagName !== "TD" || tr.dataset.r === undefined) { return null; }
    var r = Number(tr.dataset.r), p = td.cellIndex - 1;
    var raw = data.cells[r * data.personas.length + p];
    if (!raw) { return null; }
    var route = data.routes[r];
    return {
      persona: data.personas[p], api: route[0], stage: route[1], route: route[2],
      verdict: raw[0], role: str(raw[1]), authorization: str(raw[2]), expected: raw[3] === 1,
      differs: raw[4] === 1, allowing: strs(raw[5]), denying: strs(raw[6]), reasons: strs(raw[7]),
      witnessAllowed: str(raw[8]), witnessDenied: str(raw[9])
    };
  };

  var summary = function (c) {
    var lines = [c.persona + " \u2192 " + c.route + " (" + c.api + " " + c.stage + ")",
      "verdict: " + c.verdict + (c.authorization !== "AWS_IAM" ?
        " (not IAM-governed: " + c.authorization + ")" : ""),
      "baseline: " + (c.expected ? "declared" : "not declared") +
        (c.differs ? " \u2014 DIFFERS" : "") +
        (c.verdict === "unknown" ? " \u2014 cannot be compared" : ""),
      "role: " + (c.role || "none")];
    if (c.allowing.length) { lines.push("allowed by: " + c.allowing.join("; ")); }
    if (c.denying.length) { lines.push("denied by: " + c.denying.join("; ")); }
    c.reasons.forEach(function (r) { lines.push("- " + r); });
    return lines.join("\n");
  };

  // Titles are filled on first hover rather than rendered 25,000 times into the markup.
  matrix.addEventListener("mouseover", function (event) {
    var td = event.target.closest("td");
    if (td && !td.title) {
      var c = cellInfo(td);
      if (c) { td.title = summary(c); }
    }
  });

  var panel = document.getElementById("details");
  var panelBody = document.getElementById("details-body");
  var selected = null;
  var add = function (parent, tag, text, cls) {
    var el = document.createElement(tag);
    if (text !== undefined) { el.textContent = text; }
    if (cls) { el.className = cls; }
    parent.appendChild(el);
    return el;
  };
  var row = function (dl, term, value) {
    add(dl, "dt", term);
    var dd = add(dl, "dd");
    if (Array.isArray(value)) {
      if (!value.length) { dd.textContent = "none"; return; }
      var ul = add(dd, "ul");
      value.forEach(function (v) { add(ul, "li", v); });
    } else {
      dd.textContent = value === null ? "none" : value;
    }
  };
  var showDetails = function (c) {
    panelBody.textContent = "";
    add(panelBody, "h3", c.persona + " \u2192 " + c.route);
    var dl = add(panelBody, "dl");
    row(dl, "API", c.api + " (stage " + c.stage + ")");
    row(dl, "Verdict", c.verdict);
    row(dl, "Authorization", c.authorization + (c.authorization === "AWS_IAM" ? "" :
      " (not IAM-governed)"));
    row(dl, "Baseline", (c.expected ? "declared for this persona" : "not declared") +
      (c.verdict === "unknown" ? " \u2014 cannot be compared: the verdict is unknown" :
        c.differs ? " \u2014 differs" : " \u2014 matches"));
    row(dl, "Role", c.role);
    row(dl, "Allowing", c.allowing);
    row(dl, "Denying", c.denying);
    row(dl, "Reasons", c.reasons);
    row(dl, "Allowed request", c.witnessAllowed);
    row(dl, "Denied request", c.witnessDenied);
    panel.hidden = false;
  };
  matrix.addEventListener("click", function (event) {
    var td = event.target.closest("td");
    var c = td && cellInfo(td);
    if (!c) { return; }
    if (selected) { selected.classList.remove("sel"); }
    selected = td;
    td.classList.add("sel");
    showDetails(c);
  });
  document.getElementById("details-close").addEventListener("click", function () {
    panel.hidden = true;
    if (selected) { selected.classList.remove("sel"); selected = null; }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { panel.hidden = true; }
  });
  var onlyDrift = document.getElementById("only-drift");
  onlyDrift.addEventListener("change", function () {
    matrix.classList.toggle("only-drift", onlyDrift.checked);
  });
})();
