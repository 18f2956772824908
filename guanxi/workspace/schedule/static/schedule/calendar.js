// Drag to reschedule on the calendar: HTML5 drag and drop with a mouse, a long press and
// move with a finger or pen. A drop posts the day to the entry's move URL (htmx) and the
// calendar comes back re-rendered.
(function () {
  "use strict";
  var dragged = null;

  function calendarBox() { return document.getElementById("schedule-calendar"); }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function clearTargets() {
    var marked = document.querySelectorAll(".schedule-drop-target");
    for (var i = 0; i < marked.length; i++) marked[i].classList.remove("schedule-drop-target");
  }

  function move(entry, date) {
    var box = calendarBox();
    if (!entry || !box || !date || date === entry.getAttribute("data-from")) return;
    window.htmx.ajax("POST", entry.getAttribute("data-move-url"), {
      source: entry,
      target: "#schedule-calendar",
      swap: "outerHTML",
      headers: { "X-CSRFToken": csrfToken() },
      values: {
        date: date,
        from: entry.getAttribute("data-from"),
        version: entry.getAttribute("data-version"),
        view: box.getAttribute("data-view"),
        at: box.getAttribute("data-at"),
        who: box.getAttribute("data-who")
      }
    });
  }

  function dropCell(node) { return node && node.closest ? node.closest("[data-drop-date]") : null; }

  // ---- mouse: HTML5 drag and drop
  document.addEventListener("dragstart", function (event) {
    var entry = event.target.closest && event.target.closest("[data-move-url]");
    if (!entry) return;
    dragged = entry;
    entry.classList.add("schedule-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", entry.getAttribute("data-title") || "");
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("schedule-dragging");
    dragged = null;
    clearTargets();
  });
  document.addEventListener("dragover", function (event) {
    var cell = dragged && dropCell(event.target);
    if (!cell) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!cell.classList.contains("schedule-drop-target")) {
      clearTargets();
      cell.classList.add("schedule-drop-target");
    }
  });
  document.addEventListener("drop", function (event) {
    var cell = dragged && dropCell(event.target);
    if (!cell) return;
    event.preventDefault();
    var entry = dragged;
    clearTargets();
    move(entry, cell.getAttribute("data-drop-date"));
  });

  // ---- touch and pen: long press, then move the finger to another day
  var HOLD_MS = 350;
  var touch = null;  // {entry, timer, ghost, id}

  function endTouch() {
    if (!touch) return;
    clearTimeout(touch.timer);
    if (touch.ghost) touch.ghost.remove();
    touch.entry.classList.remove("schedule-dragging");
    clearTargets();
    touch = null;
  }
  document.addEventListener("pointerdown", function (event) {
    if (event.pointerType === "mouse") return;
    var entry = event.target.closest && event.target.closest("[data-move-url]");
    if (!entry) return;
    endTouch();
    touch = { entry: entry, id: event.pointerId, ghost: null, timer: null, x: event.clientX, y: event.clientY };
    touch.timer = setTimeout(function () {
      if (!touch) return;
      var ghost = entry.cloneNode(true);
      ghost.classList.add("schedule-ghost");
      ghost.removeAttribute("data-testid");
      document.body.appendChild(ghost);
      touch.ghost = ghost;
      entry.classList.add("schedule-dragging");
      ghost.style.left = event.clientX + "px";
      ghost.style.top = event.clientY + "px";
    }, HOLD_MS);
  });
  document.addEventListener("pointermove", function (event) {
    if (!touch || event.pointerId !== touch.id) return;
    if (!touch.ghost) {
      // moved before the long press: a scroll, unless it is the finger's small tremble
      if (Math.abs(event.clientX - touch.x) + Math.abs(event.clientY - touch.y) > 10) endTouch();
      return;
    }
    touch.ghost.style.left = event.clientX + "px";
    touch.ghost.style.top = event.clientY + "px";
    var cell = dropCell(document.elementFromPoint(event.clientX, event.clientY));
    clearTargets();
    if (cell) cell.classList.add("schedule-drop-target");
  }, { passive: false });
  document.addEventListener("pointerup", function (event) {
    if (!touch || event.pointerId !== touch.id) return;
    var entry = touch.entry;
    var dragging = !!touch.ghost;
    var cell = dragging ? dropCell(document.elementFromPoint(event.clientX, event.clientY)) : null;
    endTouch();
    if (cell) move(entry, cell.getAttribute("data-drop-date"));
  });
  document.addEventListener("pointercancel", endTouch);
  // once the long press took, the finger drags the entry instead of scrolling the page
  document.addEventListener("touchmove", function (event) {
    if (touch && touch.ghost) event.preventDefault();
  }, { passive: false });
})();
