// Knowledge base behaviours (no inline scripts).
(function () {
  "use strict";

  // The article editor's toolbar: <div data-kb-toolbar="textarea id"> with buttons
  // <button data-kb-mark="bold|italic|heading|list|steps|code|link"> wrap the selection
  // (or the current lines) in Markdown marks. The server renders and sanitises it.
  var MARKS = {
    bold: { before: "**", after: "**", sample: "粗体" },
    italic: { before: "*", after: "*", sample: "斜体" },
    code: { before: "`", after: "`", sample: "code" },
    link: { before: "[", after: "](https://)", sample: "链接文字" },
  };
  var LINE_MARKS = { heading: "## ", list: "- ", steps: "1. " };

  function wrap(box, mark) {
    var start = box.selectionStart, end = box.selectionEnd, value = box.value;
    var chosen = value.slice(start, end) || mark.sample;
    var text = mark.before + chosen + mark.after;
    box.value = value.slice(0, start) + text + value.slice(end);
    box.selectionStart = start + mark.before.length;
    box.selectionEnd = box.selectionStart + chosen.length;
  }

  function prefixLines(box, prefix) {
    var value = box.value;
    var start = value.lastIndexOf("\n", box.selectionStart - 1) + 1;
    var end = value.indexOf("\n", box.selectionEnd);
    if (end === -1) end = value.length;
    var lines = value.slice(start, end).split("\n").map(function (line) {
      return line.indexOf(prefix) === 0 ? line : prefix + line;
    });
    var text = lines.join("\n");
    box.value = value.slice(0, start) + text + value.slice(end);
    box.selectionStart = start;
    box.selectionEnd = start + text.length;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-kb-mark]");
    if (!button) return;
    var bar = button.closest("[data-kb-toolbar]");
    var box = bar && document.getElementById(bar.getAttribute("data-kb-toolbar"));
    if (!box) return;
    event.preventDefault();
    var name = button.getAttribute("data-kb-mark");
    if (MARKS[name]) wrap(box, MARKS[name]);
    else if (LINE_MARKS[name]) prefixLines(box, LINE_MARKS[name]);
    box.focus();
  });

  // The builder and the record panel answer a refused step with 400/409/422 and the
  // reason inside the part: show it (htmx does not swap error answers by default).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var status = event.detail.xhr.status;
    if (!target || status < 400 || status >= 500) return;
    if (target.id === "kb-builder" || target.id === "kb-panel") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
