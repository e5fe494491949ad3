/* Script of the combined HTML report (auditor/report/combined_html.py). Each target's report
   is kept in a template element (inert: no layout, no ids in the document) and drawn when its
   <details> opens, by the single report's own scripts (report.js and grid.js, inlined as
   `draw` by the renderer), so a page of hundreds of targets opens fast and every id is unique:
   one target is open at a time. Those scripts get a document and a window that only record
   the listeners they add, to remove them when the target closes. Like them, this script never
   builds markup from data. */
(function () {
  "use strict";
  /* @draw */
  var listeners = [];
  var remember = function (target) {
    return function (type, fn, options) {
      target.addEventListener(type, fn, options);
      listeners.push([target, type, fn, options]);
    };
  };
  var scopedDocument = {
    getElementById: function (id) { return document.getElementById(id); },
    createElement: function (tag) { return document.createElement(tag); },
    createDocumentFragment: function () { return document.createDocumentFragment(); },
    addEventListener: remember(document)
  };
  var scopedWindow = {
    requestAnimationFrame: function (fn) { return window.requestAnimationFrame(fn); },
    addEventListener: remember(window)
  };
  var current = null;

  var close = function () {
    if (!current) { return; }
    listeners.forEach(function (l) { l[0].removeEventListener(l[1], l[2], l[3]); });
    listeners = [];
    var body = current.querySelector(".tgt-body");
    if (body) { body.remove(); }
    var panel = document.getElementById("details");
    if (panel) { panel.hidden = true; }
    var was = current;
    current = null;
    was.open = false;
  };

  var show = function (d) {
    if (current === d) { return; }
    close();
    current = d;
    var body = document.createElement("div");
    body.className = "tgt-body";
    body.appendChild(d.querySelector("template").content.cloneNode(true));
    d.appendChild(body);
    draw(scopedDocument, scopedWindow);
  };

  Array.prototype.forEach.call(document.querySelectorAll("details.tgt"), function (d) {
    d.addEventListener("toggle", function () {
      if (d.open) { show(d); } else if (current === d) { close(); }
    });
  });
  // A link to a target (the summary's tables) opens it.
  var fromHash = function () {
    var d = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (d && d.matches("details.tgt")) { d.open = true; d.scrollIntoView(); }
  };
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
