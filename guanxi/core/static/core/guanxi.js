// Small behaviours of the shell. No inline scripts: everything is wired here.
(function () {
  "use strict";
  // "/" focuses the global search unless the user is typing somewhere.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing) return;
    var box = document.getElementById("gx-global-search");
    if (box) { event.preventDefault(); box.focus(); box.select(); }
  });
  // Confirm dangerous actions: <form data-confirm="…">
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);
  // "Select all" boxes: <input type="checkbox" data-select-all="ids"> ticks every
  // checkbox named "ids" of the same form
  document.addEventListener("change", function (event) {
    var box = event.target;
    var name = box.getAttribute && box.getAttribute("data-select-all");
    if (!name || !box.form) return;
    var boxes = box.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = box.checked;
  });
})();
