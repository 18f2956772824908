// Messages (消息) and @mentions. No inline scripts: everything hangs off data attributes.
(function () {
  "use strict";
  if (window.gxMessaging) return;  // loaded again with an htmx-swapped timeline
  window.gxMessaging = true;

  // ---- a conversation: keep the newest message in view, never show one twice --------
  function tidyMessages() {
    var list = document.getElementById("message-list");
    if (!list) return;
    var seen = {};
    list.querySelectorAll("li[data-message]").forEach(function (item) {
      var id = item.getAttribute("data-message");
      if (seen[id]) item.remove(); else seen[id] = true;
    });
    var empty = document.querySelector("[data-testid=no-messages]");
    if (empty && list.children.length) empty.remove();
    list.scrollTop = list.scrollHeight;
  }
  document.addEventListener("DOMContentLoaded", tidyMessages);
  document.addEventListener("htmx:afterSettle", tidyMessages);
  document.addEventListener("htmx:oobAfterSwap", tidyMessages);
  document.addEventListener("htmx:afterSettle", function (event) {
    var box = document.querySelector("#message-form textarea");
    if (box && event.target && event.target.id === "message-poller" && document.activeElement === document.body) {
      box.focus();
    }
  });
  // back on the tab: ask for new messages at once rather than at the next tick
  document.addEventListener("visibilitychange", function () {
    var poller = document.getElementById("message-poller");
    if (poller && document.visibilityState === "visible" && window.htmx) {
      window.htmx.trigger(poller, "gx-poll");
    }
  });
  // Ctrl+Enter (⌘+Enter) sends
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (!box.hasAttribute || !box.hasAttribute("data-send-on-ctrl-enter")) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (box.form.requestSubmit) box.form.requestSubmit(); else box.form.submit();
    }
  });

  // ---- @mention autocomplete on <textarea data-mention-source="URL"> -----------------
  // Typing "@" and part of a name lists matching colleagues; picking one inserts the
  // stable token "@[姓名](employee:ID)" that the server resolves without guessing.
  var menu = null, state = null, timer = null;

  function closeMenu() {
    if (menu) menu.remove();
    menu = null;
    state = null;
  }

  function query(box) {
    var upto = box.value.slice(0, box.selectionStart);
    var match = /(^|[^A-Za-z0-9._%+\-])@([^\s@\[\]()]{0,20})$/.exec(upto);
    if (!match) return null;
    return { start: upto.length - match[2].length - 1, text: match[2] };
  }

  function insert(box, person) {
    var before = box.value.slice(0, state.start);
    var after = box.value.slice(box.selectionStart);
    var name = person.name.replace(/[\[\]\n]/g, "");
    var token = "@[" + name + "](employee:" + person.id + ") ";
    box.value = before + token + after;
    var caret = before.length + token.length;
    box.setSelectionRange(caret, caret);
    box.focus();
    closeMenu();
  }

  function show(box, items) {
    closeMenu();
    if (!items.length) return;
    var found = query(box);
    if (!found) return;
    state = { box: box, start: found.start, items: items, active: 0 };
    menu = document.createElement("div");
    menu.className = "list-group shadow gx-mention-menu";
    menu.setAttribute("role", "listbox");
    menu.setAttribute("data-testid", "mention-menu");
    items.forEach(function (person, index) {
      var option = document.createElement("button");
      option.type = "button";
      option.className = "list-group-item list-group-item-action py-1" + (index === 0 ? " active" : "");
      option.setAttribute("role", "option");
      option.setAttribute("data-testid", "mention-option");
      option.textContent = person.name + (person.department ? "（" + person.department + "）" : "");
      option.addEventListener("mousedown", function (event) {
        event.preventDefault();
        insert(box, person);
      });
      menu.appendChild(option);
    });
    var parent = box.parentNode;
    if (getComputedStyle(parent).position === "static") parent.classList.add("position-relative");
    parent.appendChild(menu);
    menu.style.top = (box.offsetTop + box.offsetHeight) + "px";
    menu.style.left = box.offsetLeft + "px";
  }

  function lookup(box) {
    var found = query(box);
    if (!found) { closeMenu(); return; }
    var url = box.getAttribute("data-mention-source") + "?q=" + encodeURIComponent(found.text);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { items: [] }; })
      .then(function (data) { if (document.activeElement === box) show(box, data.items || []); })
      .catch(closeMenu);
  }

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.getAttribute || !box.getAttribute("data-mention-source")) return;
    clearTimeout(timer);
    timer = setTimeout(function () { lookup(box); }, 150);
  });

  document.addEventListener("keydown", function (event) {
    if (!menu || !state || event.target !== state.box) return;
    var options = menu.querySelectorAll("[data-testid=mention-option]");
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      options[state.active].classList.remove("active");
      var step = event.key === "ArrowDown" ? 1 : options.length - 1;
      state.active = (state.active + step) % options.length;
      options[state.active].classList.add("active");
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      insert(state.box, state.items[state.active]);
    } else if (event.key === "Escape") {
      closeMenu();
    }
  });

  document.addEventListener("focusout", function (event) {
    if (state && event.target === state.box) setTimeout(closeMenu, 150);
  });
})();
