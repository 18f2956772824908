// Target board: a department row's toggle hides or shows every row below it in the tree
// (rows carry their department path; a child's path starts with its parent's).
// Yearly plan: "均分" splits the row's yearly total into 12 months (the remainder on
// December, so the months add up exactly) and the row total follows the cells.
(function () {
  "use strict";

  function rowsUnder(row) {
    var path = row.getAttribute("data-tree-path");
    var depth = parseInt(row.getAttribute("data-depth"), 10);
    var result = [];
    var next = row.nextElementSibling;
    while (next && next.hasAttribute("data-tree-path")) {
      var nextDepth = parseInt(next.getAttribute("data-depth"), 10);
      if (nextDepth <= depth || next.getAttribute("data-tree-path").indexOf(path) !== 0) break;
      result.push(next);
      next = next.nextElementSibling;
    }
    return result;
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-tree-toggle]");
    if (!toggle) return;
    var row = toggle.closest("tr");
    var open = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", open ? "false" : "true");
    toggle.textContent = open ? "▸" : "▾";
    rowsUnder(row).forEach(function (child) { child.classList.toggle("d-none", open); });
  });

  function places(grid) { return parseInt(grid.getAttribute("data-places") || "2", 10); }

  function rowTotal(row) {
    var total = 0;
    row.querySelectorAll("[data-plan-cell]").forEach(function (input) {
      var value = parseFloat(input.value);
      if (!isNaN(value)) total += value;
    });
    var shown = row.querySelector("[data-plan-total]");
    if (shown) shown.textContent = total.toFixed(places(row.closest("[data-plan-grid]")));
  }

  function split(row) {
    var grid = row.closest("[data-plan-grid]");
    var digits = places(grid);
    var factor = Math.pow(10, digits);
    var yearly = parseFloat(row.querySelector("[data-plan-year]").value);
    if (isNaN(yearly) || yearly <= 0) return;
    var units = Math.round(yearly * factor);
    var share = Math.floor(units / 12);
    var cells = row.querySelectorAll("[data-plan-cell]");
    cells.forEach(function (input, index) {
      var value = index === cells.length - 1 ? units - share * (cells.length - 1) : share;
      input.value = (value / factor).toFixed(digits);
    });
    rowTotal(row);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-plan-split]");
    if (!button) return;
    split(button.closest("tr"));
  });

  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-plan-cell]")) return;
    rowTotal(event.target.closest("tr"));
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-plan-grid] tbody tr").forEach(rowTotal);
  });
})();
