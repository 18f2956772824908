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

  // Region pickers: <input data-region-picker="URL of the division tree"
  // data-placeholders="省份|城市|区县"> gets province → city → district selects that write
  // "广东省 深圳市 南山区" into it. The text stays editable (places outside the list).
  var regionTree = null;
  function loadRegions(url) {
    if (!regionTree) {
      regionTree = fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      });
    }
    return regionTree;
  }
  var SUFFIX = /(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|地区|省|市|区|县|盟)$/;
  function sameName(name, word) {
    return name === word || name.replace(SUFFIX, "") === word;
  }
  function regionPicker(input) {
    if (input.getAttribute("data-region-ready")) return;
    input.setAttribute("data-region-ready", "1");
    var labels = (input.getAttribute("data-placeholders") || "||").split("|");
    var row = document.createElement("div");
    row.className = "d-flex gap-1 mb-1";
    var selects = labels.map(function (label, level) {
      var select = document.createElement("select");
      select.className = "form-select form-select-sm";
      select.setAttribute("aria-label", label);
      select.setAttribute("data-region-level", String(level));
      row.appendChild(select);
      return select;
    });
    input.parentNode.insertBefore(row, input);
    loadRegions(input.getAttribute("data-region-picker")).then(function (tree) {
      var chosen = [];  // the chosen division of each level: [code, name, children]
      function fill(level, items) {
        var select = selects[level];
        select.innerHTML = "";
        select.add(new Option(labels[level], ""));
        (items || []).forEach(function (item, index) { select.add(new Option(item[1], String(index))); });
        select.disabled = !items || !items.length;
        for (var below = level + 1; below < selects.length; below++) {
          selects[below].innerHTML = "";
          selects[below].add(new Option(labels[below], ""));
          selects[below].disabled = true;
        }
      }
      function levelItems(level) { return level === 0 ? tree : (chosen[level - 1] || [])[2]; }
      function show() {
        // select what the text names, as far as it goes
        var words = input.value.trim().split(/[\s\/／,，、]+/).filter(Boolean);
        chosen = [];
        fill(0, tree);
        for (var level = 0; level < selects.length && level < words.length; level++) {
          var items = levelItems(level) || [];
          var index = -1;
          for (var i = 0; i < items.length && index < 0; i++) {
            if (sameName(items[i][1], words[level])) index = i;
          }
          if (index < 0) break;
          chosen[level] = items[index];
          selects[level].value = String(index);
          if (level + 1 < selects.length) fill(level + 1, items[index][2]);
        }
      }
      selects.forEach(function (select, level) {
        select.addEventListener("change", function () {
          var items = levelItems(level) || [];
          chosen = chosen.slice(0, level);
          if (select.value !== "") chosen[level] = items[Number(select.value)];
          if (level + 1 < selects.length) fill(level + 1, chosen[level] ? chosen[level][2] : null);
          input.value = chosen.filter(Boolean).map(function (item) { return item[1]; }).join(" ");
          input.dispatchEvent(new Event("input", { bubbles: true }));
        });
      });
      input.addEventListener("change", show);
      show();
    }).catch(function () { row.remove(); });
  }
  function scanRegions(root) {
    var inputs = (root || document).querySelectorAll("input[data-region-picker]");
    for (var i = 0; i < inputs.length; i++) regionPicker(inputs[i]);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scanRegions(document); });
  } else {
    scanRegions(document);
  }
  document.addEventListener("htmx:load", function (event) { scanRegions(event.target); });
})();
