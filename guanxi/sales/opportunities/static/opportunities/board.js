// The opportunity kanban: drag a card to another stage column (SortableJS: mouse, and
// touch with a short hold so the board still scrolls). A drop posts the stage and the
// card's version to the card's move URL (htmx); the answer re-renders the two columns
// out of band, also when the move is refused (the card snaps back, with the reason).
// A drop on the lost column first asks for the reason in a dialog.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function board() { return document.getElementById("kanban"); }

  function refresh() {
    window.location.reload();
  }

  function askLostReason(card, stage) {
    var dialog = document.getElementById("kanban-lose");
    var form = dialog.querySelector("form");
    form.setAttribute("action", card.getAttribute("data-move-url"));
    form.querySelector('input[name="stage"]').value = stage;
    form.querySelector('input[name="version"]').value = card.getAttribute("data-version");
    var submitted = false;
    form.addEventListener("submit", function () { submitted = true; }, { once: true });
    dialog.addEventListener("hidden.bs.modal", function () {
      if (!submitted) refresh();  // cancelled: put the card back where it is
    }, { once: true });
    window.bootstrap.Modal.getOrCreateInstance(dialog).show();
  }

  function move(card, stage) {
    window.htmx.ajax("POST", card.getAttribute("data-move-url"), {
      source: card,
      swap: "none",
      headers: { "X-CSRFToken": csrfToken() },
      values: { stage: stage, version: card.getAttribute("data-version") }
    });
  }

  function makeSortable(list) {
    if (list.getAttribute("data-sortable") === "1") return;
    list.setAttribute("data-sortable", "1");
    window.Sortable.create(list, {
      group: "opportunities",
      sort: false,
      draggable: ".gx-kanban-card",
      // Sortable's own pointer handling (not the browser's drag and drop): the same on
      // mouse, pen and touch; a short hold on touch so a swipe still scrolls the board
      forceFallback: true,
      fallbackTolerance: 3,
      delay: 200,
      delayOnTouchOnly: true,
      touchStartThreshold: 5,
      animation: 150,
      onEnd: function (event) {
        if (event.from === event.to) return;
        var card = event.item;
        var stage = event.to.getAttribute("data-stage");
        if (event.to.getAttribute("data-kind") === "lost") {
          askLostReason(card, stage);
        } else {
          move(card, stage);
        }
      }
    });
  }

  function init() {
    var box = board();
    if (!box || !box.getAttribute("data-can-move") || !window.Sortable) return;
    var lists = box.querySelectorAll(".gx-kanban-cards");
    for (var i = 0; i < lists.length; i++) makeSortable(lists[i]);
  }

  // a refused move (no permission, changed by someone else, a rule) still answers the
  // columns: swap them in so the card goes back, and show the reason
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!source || !source.closest || !source.closest("#kanban")) return;
    if (status === 400 || status === 403 || status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    } else if (status === 404) {
      refresh();
    }
  });
  document.addEventListener("htmx:load", init);
  document.addEventListener("DOMContentLoaded", init);
})();
