/* The access matrix, drawn from the embedded data (auditor/report/html_grid.py): per persona
   column a string with one character per route (its classes in data.classes; upper case where
   the cell differs from the baseline) and the distinct cell details the columns point into.
   A small grid (after filtering) is drawn whole, so it prints and can be searched; a large one
   only the rows and columns in view, pinned in the scrolled box and redrawn as it scrolls.
   Like report.js it never builds markup from data: text goes through textContent or title. */
(function () {
  "use strict";
  var table = document.getElementById("matrix");
  var dataEl = document.getElementById("matrix-data");
  if (!table || !dataEl) { return; }
  var data = JSON.parse(dataEl.textContent);
  var wrap = table.closest(".mwrap");
  var canvas = table.closest(".mcanvas");
  var codes = data.codes;
  var nPersonas = data.personas.length;
  var nRoutes = data.routes.length;
  var FLAGGED = /[A-Zu]/g;  // differs from the baseline, or could not be judged
  // Rows of routes served without AWS_IAM that are not in public_routes: their severity.
  var exposed = data.exposed || {};
  var EXPOSED_TEXT = "not IAM-governed and not in public_routes";
  // A whole grid's cells share the width the route labels leave, up to this many pixels;
  // from WIDE_CELL on, persona names are written across and verdicts spelled out.
  var MAX_CELL = 180, WIDE_CELL = 96, MIN_CELL = 22;
  var str = function (i) { return i < 0 ? null : data.strings[i]; };
  var strs = function (list) { return list.map(str); };
  var groupOf = data.routes.map(function (r) { return r[0] + " \u00b7 " + r[1]; });
  var personaText = data.personas.map(function (p) { return p.toLowerCase(); });
  var routeText = data.routes.map(function (r) {
    return (r[2] + " " + r[0] + " " + r[1]).toLowerCase();
  });

  // -- filters: across the whole matrix, not the part in view --------------------------------
  var fPersona = document.getElementById("matrix-persona");
  var fRoute = document.getElementById("matrix-route");
  var fOnly = document.getElementById("only-drift");
  var shownOut = document.getElementById("matrix-shown");
  var printNote = document.getElementById("matrix-print-note");
  var cols = [];   // persona columns shown, as indexes into data.personas
  var items = [];  // lines shown: a route index, or -1 for its API and stage's heading
  var routeRows = 0;

  var applyFilters = function () {
    var pq = fPersona.value.trim().toLowerCase();
    var rq = fRoute.value.trim().toLowerCase();
    var c, r, m;
    var colIn = new Uint8Array(nPersonas);
    var rowIn = new Uint8Array(nRoutes);
    for (c = 0; c < nPersonas; c += 1) { colIn[c] = !pq || personaText[c].indexOf(pq) !== -1; }
    for (r = 0; r < nRoutes; r += 1) { rowIn[r] = !rq || routeText[r].indexOf(rq) !== -1; }
    if (fOnly.checked) {
      // Rows and columns with a flagged cell among the others shown: a regex scan of each
      // column's string visits only its flagged cells.
      var rowHit = new Uint8Array(nRoutes);
      var colHit = new Uint8Array(nPersonas);
      for (c = 0; c < nPersonas; c += 1) {
        if (!colIn[c]) { continue; }
        FLAGGED.lastIndex = 0;
        while ((m = FLAGGED.exec(codes[c])) !== null) {
          if (rowIn[m.index]) { rowHit[m.index] = 1; colHit[c] = 1; }
        }
      }
      colIn = colHit;
      rowIn = rowHit;
    }
    cols = [];
    for (c = 0; c < nPersonas; c += 1) { if (colIn[c]) { cols.push(c); } }
    items = [];
    routeRows = 0;
    var group = null;
    for (r = 0; r < nRoutes; r += 1) {
      if (!rowIn[r]) { continue; }
      if (groupOf[r] !== group) { group = groupOf[r]; items.push(-1); }
      items.push(r);
      routeRows += 1;
    }
    shownOut.textContent = cols.length + " of " + nPersonas + " personas, " + routeRows +
      " of " + nRoutes + " routes";
    render();  // now, not on the next frame: what was typed is what is shown
  };

  // -- drawing -------------------------------------------------------------------------------
  var metrics = null;  // CSS pixel sizes of a line, a cell, the heading row and route column
  var view = { i0: 0, ni: 0, j0: 0, nj: 0, full: true };
  var selected = null;  // {r, c}: a route and a persona, kept across filters and scrolling
  var pending = false;

  var measure = function () {
    var tr = table.tBodies[0] && table.tBodies[0].querySelector("tr.r");
    var td = tr && tr.cells[1];
    if (!td) { return; }
    metrics = {
      line: tr.getBoundingClientRect().height,
      cell: td.getBoundingClientRect().width,
      head: table.tHead.getBoundingClientRect().height,
      label: tr.cells[0].getBoundingClientRect().width
    };
  };

  var cellClass = function (r, c) {
    var cls = data.classes[codes[c].charAt(r)];
    return selected && selected.r === r && selected.c === c ? cls + " sel" : cls;
  };

  var draw = function (i0, ni, j0, nj) {
    var thead = document.createElement("thead");
    var head = thead.insertRow();
    var corner = document.createElement("th");
    corner.scope = "col";
    corner.className = "corner";
    corner.textContent = "Route \\ persona";
    head.appendChild(corner);
    var j, i;
    for (j = j0; j < j0 + nj; j += 1) {
      var th = document.createElement("th");
      var persona = data.personas[cols[j]];
      th.scope = "col";
      th.className = "ph";
      th.title = persona;
      th.setAttribute("aria-colindex", j + 2);
      th.appendChild(document.createElement("span")).textContent = persona;
      head.appendChild(th);
    }
    var tbody = document.createElement("tbody");
    // A window that starts inside an API's routes starts with that API's heading again.
    var pinned = i0 > 0 && items[i0] >= 0;
    for (i = pinned ? i0 - 1 : i0; i < i0 + ni; i += 1) {
      var item = i < i0 ? -1 : items[i];
      var tr = tbody.insertRow();
      if (i >= i0) { tr.setAttribute("aria-rowindex", i + 2); }
      var label = document.createElement("th");
      tr.appendChild(label);
      if (item < 0) {
        tr.className = "g";
        label.scope = "rowgroup";
        label.colSpan = nj + 1;
        label.textContent = groupOf[items[i + 1]];
        continue;
      }
      var route = data.routes[item];
      var pub = exposed[item];
      tr.className = pub ? "r pub-" + pub : "r";
      tr.dataset.r = item;
      label.scope = "row";
      label.textContent = route[2];
      label.title = route[2] + " (" + route[0] + " " + route[1] + ")" + (pub ?
        "\n" + EXPOSED_TEXT + " (route-not-iam, " + pub + ")" : "");
      for (j = j0; j < j0 + nj; j += 1) {
        tr.insertCell().className = cellClass(item, cols[j]);
      }
    }
    table.replaceChildren(thead, tbody);
    table.setAttribute("aria-rowcount", items.length + 1);
    table.setAttribute("aria-colcount", cols.length + 1);
    view = { i0: i0, ni: ni, j0: j0, nj: nj, full: view.full };
  };

  var render = function () {
    pending = false;
    var full = routeRows * cols.length <= data.fullGridCells;
    view.full = full;
    wrap.classList.toggle("windowed", !full);
    printNote.hidden = full;
    if (full) {
      canvas.style.width = "";
      canvas.style.height = "";
      draw(0, items.length, 0, cols.length);
      fit();
      return;
    }
    wrap.classList.remove("wide");
    wrap.style.removeProperty("--cell-w");
    if (!metrics) { draw(0, Math.min(items.length, 2), 0, Math.min(cols.length, 2)); measure(); }
    if (!metrics) { return; }
    // A spare column, and two spare lines (one for a repeated API heading): the last ones
    // can scroll fully into view.
    canvas.style.width = (metrics.label + (cols.length + 1) * metrics.cell) + "px";
    canvas.style.height = (metrics.head + (items.length + 2) * metrics.line) + "px";
    var i0 = Math.floor(wrap.scrollTop / metrics.line);
    var j0 = Math.floor(wrap.scrollLeft / metrics.cell);
    var ni = Math.ceil((wrap.clientHeight - metrics.head) / metrics.line) + 1;
    var nj = Math.ceil((wrap.clientWidth - metrics.label) / metrics.cell) + 1;
    i0 = Math.max(0, Math.min(i0, items.length - 1));
    j0 = Math.max(0, Math.min(j0, cols.length - 1));
    draw(i0, Math.max(0, Math.min(ni, items.length - i0)), j0,
      Math.max(0, Math.min(nj, cols.length - j0)));
    printNote.textContent = "Printed here: only the part of the access matrix in view (" +
      routeRows * cols.length + " cells after filtering; up to " + data.fullGridCells +
      " print whole).";
  };

  // A whole grid uses the box's width: the cells share what the route labels leave.
  var fit = function () {
    var label = table.tBodies[0] && table.tBodies[0].querySelector("tr.r th");
    if (!label || !cols.length) { return; }
    var spare = wrap.clientWidth - label.getBoundingClientRect().width - 2;
    var cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor(spare / cols.length)));
    wrap.style.setProperty("--cell-w", cell + "px");
    wrap.classList.toggle("wide", cell >= WIDE_CELL);
  };

  // Scrolling and typing ask for one drawing per frame; a drawing made meanwhile answers it.
  var schedule = function () {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () { if (pending) { render(); } });
    }
  };

  // -- details: a hover summary and a panel ----------------------------------------------------
  var detailOf = function (r, c) {
    // cellDetails[c]: the column's usual detail, then (row, detail) pairs by row.
    var d = data.cellDetails[c];
    var lo = 0, hi = (d.length - 1) / 2 - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1, row = d[1 + 2 * mid];
      if (row === r) { return d[2 + 2 * mid]; }
      if (row < r) { lo = mid + 1; } else { hi = mid - 1; }
    }
    return d[0];
  };

  var cellInfo = function (r, c) {
    var code = codes[c].charAt(r);
    if (code === "-") { return null; }
    var raw = data.details[detailOf(r, c)];
    var route = data.routes[r];
    return {
      persona: data.personas[c], api: route[0], stage: route[1], route: route[2],
      verdict: raw[0], authorization: str(raw[1]), expected: raw[2] === 1,
      differs: code !== code.toLowerCase(), allowing: strs(raw[3]), denying: strs(raw[4]),
      reasons: strs(raw[5]), witnessAllowed: str(raw[6]), witnessDenied: str(raw[7]),
      role: str(raw[8] === -2 ? data.roles[c] : raw[8]), exposed: exposed[r] || null
    };
  };

  var cellAt = function (td) {
    var tr = td.parentElement;
    if (td.tagName !== "TD" || !tr || tr.dataset.r === undefined) { return null; }
    return { r: Number(tr.dataset.r), c: cols[view.j0 + td.cellIndex - 1] };
  };

  var summary = function (x) {
    var lines = [x.persona + " \u2192 " + x.route + " (" + x.api + " " + x.stage + ")",
      "verdict: " + x.verdict + (x.authorization !== "AWS_IAM" ?
        " (not IAM-governed: " + x.authorization + ")" : ""),
      "baseline: " + (x.expected ? "declared" : "not declared") +
        (x.differs ? " \u2014 DIFFERS" : "") +
        (x.verdict === "unknown" ? " \u2014 cannot be compared" : ""),
      "role: " + (x.role || "none")];
    if (x.exposed) { lines.splice(2, 0, EXPOSED_TEXT + " (route-not-iam, " + x.exposed + ")"); }
    if (x.allowing.length) { lines.push("allowed by: " + x.allowing.join("; ")); }
    if (x.denying.length) { lines.push("denied by: " + x.denying.join("; ")); }
    x.reasons.forEach(function (reason) { lines.push("- " + reason); });
    return lines.join("\n");
  };

  // Titles are filled on first hover rather than for every cell drawn.
  table.addEventListener("mouseover", function (event) {
    var td = event.target.closest("td");
    var at = td && !td.title && cellAt(td);
    var x = at && cellInfo(at.r, at.c);
    if (x) { td.title = summary(x); }
  });

  var panel = document.getElementById("details");
  var panelBody = document.getElementById("details-body");
  var add = function (parent, tag, text) {
    var el = document.createElement(tag);
    if (text !== undefined) { el.textContent = text; }
    parent.appendChild(el);
    return el;
  };
  var line = function (dl, term, value) {
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
  var showDetails = function (x) {
    panelBody.textContent = "";
    add(panelBody, "h3", x.persona + " \u2192 " + x.route);
    var dl = add(panelBody, "dl");
    line(dl, "API", x.api + " (stage " + x.stage + ")");
    line(dl, "Verdict", x.verdict);
    line(dl, "Authorization", x.authorization + (x.authorization === "AWS_IAM" ? "" :
      x.exposed ? " (" + EXPOSED_TEXT + ": route-not-iam, " + x.exposed + ")" :
        " (not IAM-governed)"));
    line(dl, "Baseline", (x.expected ? "declared for this persona" : "not declared") +
      (x.verdict === "unknown" ? " \u2014 cannot be compared: the verdict is unknown" :
        x.differs ? " \u2014 differs" : " \u2014 matches"));
    line(dl, "Role", x.role);
    line(dl, "Allowing", x.allowing);
    line(dl, "Denying", x.denying);
    line(dl, "Reasons", x.reasons);
    line(dl, "Allowed request", x.witnessAllowed);
    line(dl, "Denied request", x.witnessDenied);
    panel.hidden = false;
  };

  // The selected cell is marked where it is drawn; a drawing marks it again (cellClass).
  var markSelected = function () {
    var old = table.querySelector("td.sel");
    if (old) { old.classList.remove("sel"); }
    if (!selected) { return; }
    var tr = table.querySelector('tr[data-r="' + selected.r + '"]');
    var td = tr && tr.cells[cols.indexOf(selected.c) - view.j0 + 1];
    if (td) { td.classList.add("sel"); }
  };

  var select = function (r, c, open) {
    var x = cellInfo(r, c);
    if (!x) { return; }
    selected = { r: r, c: c };
    markSelected();
    if (open || !panel.hidden) { showDetails(x); }
  };

  table.addEventListener("click", function (event) {
    var td = event.target.closest("td");
    var at = td && cellAt(td);
    if (at) { select(at.r, at.c, true); }
  });
  document.getElementById("details-close").addEventListener("click", function () {
    panel.hidden = true;
    selected = null;
    markSelected();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { panel.hidden = true; }
  });

  // -- keyboard: the arrows, Page Up/Down and Home/End move the selected cell ----------------
  var scrollTo = function (i, j) {
    if (view.full) {
      var tr = table.querySelector('tr[aria-rowindex="' + (i + 2) + '"]');
      var td = tr && tr.cells[j - view.j0 + 1];
      if (td) { td.scrollIntoView({ block: "nearest", inline: "nearest" }); }
      return;
    }
    var rowsInView = Math.max(1, Math.floor((wrap.clientHeight - metrics.head) / metrics.line) - 1);
    var colsInView = Math.max(1, Math.floor((wrap.clientWidth - metrics.label) / metrics.cell));
    if (i < view.i0) { wrap.scrollTop = i * metrics.line; }
    if (i >= view.i0 + rowsInView) { wrap.scrollTop = (i - rowsInView + 1) * metrics.line; }
    if (j < view.j0) { wrap.scrollLeft = j * metrics.cell; }
    if (j >= view.j0 + colsInView) { wrap.scrollLeft = (j - colsInView + 1) * metrics.cell; }
  };
  wrap.addEventListener("keydown", function (event) {
    if (!items.length || !cols.length) { return; }
    var i = selected ? items.indexOf(selected.r) : -1;
    var j = selected ? cols.indexOf(selected.c) : -1;
    if (i < 0 || j < 0) { i = items[0] < 0 ? 1 : 0; j = 0; }
    var page = Math.max(1, view.ni - 2);
    var step = { ArrowUp: -1, ArrowDown: 1, PageUp: -page, PageDown: page }[event.key];
    if (event.key === "Enter" || event.key === " ") {
      if (selected) { select(selected.r, selected.c, true); }
      event.preventDefault();
      return;
    }
    if (step !== undefined) {
      // Skip API headings; a heading is always followed by one of its routes.
      var dir = step < 0 ? -1 : 1;
      i = Math.max(0, Math.min(items.length - 1, i + step));
      while (items[i] < 0) {
        if (i + dir < 0 || i + dir >= items.length) { dir = -dir; }
        i += dir;
      }
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      j = Math.max(0, Math.min(cols.length - 1, j + (event.key === "ArrowLeft" ? -1 : 1)));
    } else if (event.key === "Home" || event.key === "End") {
      j = event.key === "Home" ? 0 : cols.length - 1;
    } else {
      return;
    }
    event.preventDefault();
    scrollTo(i, j);
    if (!view.full) { render(); }  // now, not on the scroll event: the new cell is drawn
    select(items[i], cols[j], false);
  });

  // A whole grid is drawn once per filter; only a window follows the scroll bars and size.
  var follow = function () { if (!view.full) { schedule(); } };
  wrap.addEventListener("scroll", follow, { passive: true });
  window.addEventListener("resize", function () { if (view.full) { fit(); } else { schedule(); } });
  [fPersona, fRoute].forEach(function (el) { el.addEventListener("input", applyFilters); });
  fOnly.addEventListener("change", applyFilters);
  applyFilters();
})();
