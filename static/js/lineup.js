// Drag to reorder an agenda item's line-up (templates/manage/lineup.html). The up/down buttons
// do the same without JavaScript; this only adds dragging. The new order is posted to the list's
// data-reorder-url as `appearance` ids; htmx sends the CSRF header set on <body> and swaps the
// answer (the line-up) in place, after which htmx.onLoad sets the new list up again.
(function () {
  "use strict";

  function setUp(root) {
    var lists = root.querySelectorAll ? root.querySelectorAll("[data-reorder-url]") : [];
    lists.forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "on";
      list.classList.add("is-sortable");
      Sortable.create(list, {
        handle: ".drag-handle",
        animation: 150,
        onEnd: function (event) {
          if (event.oldIndex === event.newIndex) return;
          var ids = Array.prototype.map.call(list.children, function (item) {
            return item.dataset.id;
          });
          htmx.ajax("POST", list.dataset.reorderUrl, {
            source: list,
            target: "#lineup",
            swap: "outerHTML",
            values: { appearance: ids },
          });
        },
      });
    });
  }

  // Sortable moves the items with inline styles (through the CSSOM, which the CSP allows).
  // htmx would copy a swapped element's style attribute onto its successor with the same id,
  // which the CSP refuses (and reports): clear them before the line-up is swapped.
  function clearStyles(event) {
    var target = event.detail.target;
    if (target && target.id === "lineup") {
      target.querySelectorAll("[style]").forEach(function (element) {
        element.removeAttribute("style");
      });
    }
  }

  if (window.htmx && window.Sortable) {
    htmx.onLoad(setUp);
    document.addEventListener("htmx:beforeSwap", clearStyles);
  }
})();
