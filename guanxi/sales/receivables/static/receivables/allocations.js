// Payment allocation rows: "全额" fills a row with the smaller of its open amount and what
// is left of the payment; the total of the rows is shown as they change. Rows come and go
// with htmx (after a customer is picked), so everything is delegated from the document.
(function () {
  "use strict";

  function number(value) {
    var parsed = parseFloat(value);
    return isNaN(parsed) ? 0 : parsed;
  }

  function form(node) { return node.closest("form"); }

  function inputs(scope) { return scope.querySelectorAll("[data-testid='allocation-input']"); }

  function refresh(scope) {
    var total = 0;
    var rows = inputs(scope);
    for (var i = 0; i < rows.length; i++) total += number(rows[i].value);
    var shown = scope.querySelector("[data-allocation-total]");
    if (shown) shown.textContent = total.toFixed(2);
    return total;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fill-allocation]");
    if (!button) return;
    var scope = form(button);
    var row = button.closest("[data-open]");
    var input = row.querySelector("[data-testid='allocation-input']");
    var amountBox = scope.querySelector("[name='amount'], [data-payment-left]");
    var open = number(row.getAttribute("data-open"));
    var fill = open;
    if (amountBox) {
      var available = amountBox.hasAttribute("data-payment-left")
        ? number(amountBox.getAttribute("data-payment-left"))
        : number(amountBox.value);
      var others = refresh(scope) - number(input.value);
      fill = Math.max(0, Math.min(open, available - others));
    }
    input.value = fill ? fill.toFixed(2) : "";
    refresh(scope);
  });

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-testid='allocation-input']")) {
      refresh(form(event.target));
    }
  });
})();
