// The document lines editor (quotes, contracts, orders): add and remove rows, pick a
// product (its list price and tax rate fill in), and see each line and the totals live.
// Amounts follow the server's rules exactly (guanxi/sales/lines.py): each line rounds
// half up to the document's places, totals are sums of the rounded lines. The math is
// done on BigInt so the preview never differs from what is saved. On submit the rows go
// to the server in the hidden "lines_json" field; the server validates them again.
//
// Markup: <div x-data="linesEditor" data-places="2" data-currency="CNY"
//   data-initial='[{"product":1,...}]' data-datalist="id of a <datalist>">; every
//   <option> of the datalist has data-id, data-price and data-tax.
// Load this file before Alpine starts (a plain <script> in extra_head).
(function () {
  "use strict";

  var FIELDS = ["product", "quantity", "unit_price", "discount", "tax_rate", "description"];

  // "12.345" → {n: 12345n, s: 3}; null when not a plain non-negative decimal
  function parse(text) {
    var value = String(text == null ? "" : text).trim().replace(/,/g, "");
    if (!/^\d*(\.\d*)?$/.test(value) || value === "" || value === ".") return null;
    var parts = value.split(".");
    var frac = parts[1] || "";
    return { n: BigInt((parts[0] || "0") + frac), s: frac.length };
  }

  function pow10(exp) { return BigInt(10) ** BigInt(exp); }

  // num / den rounded half up to an integer (both non-negative)
  function roundDiv(num, den) { return (num * 2n + den) / (den * 2n); }

  // an integer count of 10^-places units → "1234.50"
  function format(units, places) {
    var negative = units < 0n;
    var digits = (negative ? -units : units).toString();
    if (places > 0) {
      digits = digits.padStart(places + 1, "0");
      digits = digits.slice(0, -places) + "." + digits.slice(-places);
    }
    return (negative ? "-" : "") + digits;
  }

  // {gross, amount, tax, total} in units of 10^-places, or null for incomplete input
  function values(row, places) {
    var q = parse(row.quantity);
    var p = parse(row.unit_price);
    var d = parse(row.discount === "" ? "0" : row.discount);
    var t = parse(row.tax_rate === "" ? "0" : row.tax_rate);
    if (!q || !p || !d || !t) return null;
    var scale = pow10(places);
    var den = pow10(q.s + p.s);
    var raw = q.n * p.n;
    var gross = roundDiv(raw * scale, den);
    // (100 - discount) as a count of 10^-d.s
    var keep = 100n * pow10(d.s) - d.n;
    if (keep < 0n) return null;
    var amount = roundDiv(raw * keep * scale, den * 100n * pow10(d.s));
    var tax = roundDiv(amount * t.n, 100n * pow10(t.s));
    return { gross: gross, amount: amount, tax: tax, total: amount + tax };
  }

  var nextKey = 1;

  function row(data) {
    var item = { key: nextKey++, label: data.label || "" };
    FIELDS.forEach(function (field) {
      item[field] = data[field] == null ? "" : String(data[field]);
    });
    if (item.discount === "") item.discount = "0";
    return item;
  }

  function linesEditor() {
    return {
      rows: [],
      places: 2,
      currency: "",
      products: {},

      init: function () {
        var root = this.$el;
        this.places = parseInt(root.getAttribute("data-places") || "2", 10);
        this.currency = root.getAttribute("data-currency") || "";
        var list = document.getElementById(root.getAttribute("data-datalist") || "");
        var products = {};
        if (list) {
          Array.prototype.forEach.call(list.options, function (option) {
            products[option.value] = {
              id: option.getAttribute("data-id"),
              price: option.getAttribute("data-price"),
              tax: option.getAttribute("data-tax"),
              name: option.getAttribute("data-name") || ""
            };
          });
        }
        this.products = products;
        var initial = [];
        try { initial = JSON.parse(root.getAttribute("data-initial") || "[]"); } catch (e) { initial = []; }
        this.rows = initial.map(row);
        if (!this.rows.length) this.add();
      },

      add: function () { this.rows.push(row({})); },

      remove: function (index) {
        this.rows.splice(index, 1);
        if (!this.rows.length) this.add();
      },

      // the product label typed or picked from the datalist → its id and defaults
      pick: function (item) {
        var found = this.products[item.label];
        if (!found) { item.product = ""; return; }
        if (item.product !== found.id) {
          item.product = found.id;
          item.unit_price = found.price || "0";
          item.tax_rate = found.tax || "0";
        }
      },

      lineTotal: function (item) {
        var v = values(item, this.places);
        return v ? format(v.total, this.places) : "—";
      },

      lineAmount: function (item) {
        var v = values(item, this.places);
        return v ? format(v.amount, this.places) : "—";
      },

      get totals() {
        var sum = { gross: 0n, amount: 0n, tax: 0n, total: 0n };
        var places = this.places;
        this.rows.forEach(function (item) {
          var v = values(item, places);
          if (!v) return;
          sum.gross += v.gross; sum.amount += v.amount; sum.tax += v.tax; sum.total += v.total;
        });
        return {
          subtotal: format(sum.gross, places),
          discount: format(sum.gross - sum.amount, places),
          amount: format(sum.amount, places),
          tax: format(sum.tax, places),
          total: format(sum.total, places)
        };
      },

      get payload() {
        return JSON.stringify(this.rows.filter(function (item) {
          return item.product !== "" || item.label !== "" || item.quantity !== "";
        }).map(function (item) {
          var out = {};
          FIELDS.forEach(function (field) { out[field] = item[field]; });
          return out;
        }));
      }
    };
  }

  function register() { window.Alpine.data("linesEditor", linesEditor); }

  if (window.Alpine) register();
  else document.addEventListener("alpine:init", register);

  // exposed for tests of the arithmetic
  window.guanxiLines = { values: values, format: format };
})();
