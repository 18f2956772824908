// The payment plan editor of the contract form: rows of {amount, due_date}, their sum
// compared with the contract total shown by the lines editor, and an even split that
// follows the server's rule (guanxi/sales/contracts/payment_plan.py): every instalment
// is the total divided evenly and cut to the places, the last one takes the remainder.
// On submit the rows go to the server in the hidden "plan_json" field.
// Load this file before Alpine starts (a plain <script> in extra_head).
(function () {
  "use strict";

  // "12.34" → integer count of 10^-places units, or null when not a plain decimal
  function units(text, places) {
    var value = String(text == null ? "" : text).trim().replace(/,/g, "");
    if (!/^\d+(\.\d*)?$/.test(value)) return null;
    var parts = value.split(".");
    var frac = (parts[1] || "").replace(/0+$/, "");
    if (frac.length > places) return null;
    return BigInt(parts[0] + frac.padEnd(places, "0"));
  }

  function format(count, places) {
    var digits = count.toString();
    if (places === 0) return digits;
    digits = digits.padStart(places + 1, "0");
    return digits.slice(0, -places) + "." + digits.slice(-places);
  }

  function addMonths(iso, months) {
    var parts = iso.split("-").map(Number);
    var index = parts[1] - 1 + months;
    var year = parts[0] + Math.floor(index / 12);
    var month = (index % 12) + 1;
    var last = new Date(Date.UTC(year, month, 0)).getUTCDate();
    var day = Math.min(parts[2], last);
    return year + "-" + String(month).padStart(2, "0") + "-" + String(day).padStart(2, "0");
  }

  var nextKey = 1;

  function row(data) {
    return { key: nextKey++, amount: data.amount || "", due_date: data.due_date || "" };
  }

  function paymentPlan() {
    return {
      rows: [],
      places: 2,
      count: "3",
      first: "",

      init: function () {
        var root = this.$el;
        this.places = parseInt(root.getAttribute("data-places") || "2", 10);
        var initial = [];
        try { initial = JSON.parse(root.getAttribute("data-initial") || "[]"); } catch (e) { initial = []; }
        this.rows = initial.map(row);
        if (this.rows.length) this.count = String(this.rows.length);
      },

      add: function () { this.rows.push(row({})); },
      remove: function (index) { this.rows.splice(index, 1); },
      position: function (index) { return index + 1; },

      total: function () {
        var shown = document.querySelector("[data-testid='edit-total']");
        return shown ? units(shown.textContent, this.places) : null;
      },

      split: function () {
        var total = this.total();
        var count = parseInt(this.count, 10);
        if (total === null || total <= 0n || !(count >= 1 && count <= 120)) return;
        var first = this.first || new Date().toISOString().slice(0, 10);
        var share = total / BigInt(count);
        if (share <= 0n) return;
        var rows = [];
        for (var i = 0; i < count; i++) {
          var amount = i === count - 1 ? total - share * BigInt(count - 1) : share;
          rows.push(row({ amount: format(amount, this.places), due_date: addMonths(first, i) }));
        }
        this.rows = rows;
      },

      get sum() {
        var places = this.places;
        var total = 0n;
        for (var i = 0; i < this.rows.length; i++) {
          var value = units(this.rows[i].amount, places);
          if (value === null) return "—";
          total += value;
        }
        return format(total, places);
      },

      get matches() {
        var total = this.total();
        var sum = units(this.sum, this.places);
        return this.rows.length > 0 && total !== null && sum !== null && total === sum;
      },

      get matchClass() { return this.matches ? "text-success" : "text-danger"; },

      get matchText() {
        if (!this.rows.length) return "";
        return this.$el.getAttribute(this.matches ? "data-ok" : "data-bad") || "";
      },

      get payload() {
        return JSON.stringify(this.rows.map(function (item) {
          return { amount: item.amount, due_date: item.due_date };
        }));
      }
    };
  }

  function register() { window.Alpine.data("paymentPlan", paymentPlan); }

  if (window.Alpine) register();
  else document.addEventListener("alpine:init", register);
})();
