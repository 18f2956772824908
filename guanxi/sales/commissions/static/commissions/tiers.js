// The tier editor of the commission rule form: rows of {from_amount, rate} (progressive
// bands over the employee's period total), a preview of the commission on a sample total
// computed the way the server does (guanxi/sales/commissions/calculation.py), and the rows
// sent in the hidden "tiers_json" field. Load this file before Alpine starts.
(function () {
  "use strict";

  var nextKey = 1;

  function row(data) {
    return { key: nextKey++, from_amount: data.from_amount || "", rate: data.rate || "" };
  }

  function number(text) {
    var value = String(text == null ? "" : text).trim().replace(/,/g, "");
    if (!/^-?\d+(\.\d*)?$/.test(value)) return null;
    return parseFloat(value);
  }

  function commissionTiers() {
    return {
      rows: [],
      sample: "",

      init: function () {
        var initial = [];
        try { initial = JSON.parse(this.$el.getAttribute("data-initial") || "[]"); } catch (e) { initial = []; }
        this.rows = initial.map(row);
        if (!this.rows.length) this.rows.push(row({ from_amount: "0" }));
      },

      add: function () {
        var last = this.rows.length ? number(this.rows[this.rows.length - 1].from_amount) : null;
        this.rows.push(row({ from_amount: last === null ? "" : String(last + 100000) }));
      },
      remove: function (index) { if (this.rows.length > 1) this.rows.splice(index, 1); },
      position: function (index) { return index + 1; },
      upper: function (index) {
        var next = this.rows[index + 1];
        return next ? next.from_amount : "∞";
      },

      get ordered() {
        for (var i = 1; i < this.rows.length; i++) {
          var before = number(this.rows[i - 1].from_amount);
          var here = number(this.rows[i].from_amount);
          if (before === null || here === null || here <= before) return false;
        }
        return this.rows.length > 0 && number(this.rows[0].from_amount) === 0;
      },

      get orderClass() { return this.ordered ? "text-success" : "text-danger"; },
      get orderText() {
        return this.$el.getAttribute(this.ordered ? "data-ok" : "data-bad") || "";
      },

      get preview() {
        var amount = number(this.sample);
        if (amount === null || !this.ordered) return "—";
        var total = 0;
        for (var i = 0; i < this.rows.length; i++) {
          var start = number(this.rows[i].from_amount);
          var rate = number(this.rows[i].rate);
          if (rate === null) return "—";
          if (amount <= start) break;
          var next = i + 1 < this.rows.length ? number(this.rows[i + 1].from_amount) : null;
          var top = next === null || amount < next ? amount : next;
          total += (top - start) * rate / 100;
        }
        return total.toFixed(2);
      },

      get payload() {
        return JSON.stringify(this.rows.map(function (item) {
          return { from_amount: item.from_amount, rate: item.rate };
        }));
      }
    };
  }

  function register() { window.Alpine.data("commissionTiers", commissionTiers); }

  if (window.Alpine) register();
  else document.addEventListener("alpine:init", register);
})();
