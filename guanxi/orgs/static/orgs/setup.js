// Setup screens: small behaviours, wired here because the CSP forbids inline scripts.
(function () {
  "use strict";
  // Role editor: the department picker of a data-scope row only matters when the
  // scope is "chosen"; hide it otherwise (the server ignores it then anyway).
  function syncScopeRow(select) {
    var row = select.closest("[data-scope-row]");
    var box = row && row.querySelector("[data-scope-departments]");
    if (box) box.hidden = select.value !== "chosen";
  }
  function syncAll() {
    document.querySelectorAll("select[data-scope-select]").forEach(syncScopeRow);
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-scope-select]")) {
      syncScopeRow(event.target);
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", syncAll);
  } else {
    syncAll();
  }
})();
