// The coverage editor of a service outlet: a region picked in the province → city →
// district selects is added as a line of the coverage text (one region per line).
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-coverage-add]");
  if (!button) return;
  event.preventDefault();
  var adder = button.closest("[data-coverage-adder]");
  var picker = adder && adder.querySelector("[data-region-picker]");
  var text = button.form && button.form.querySelector("[data-coverage-text]");
  if (!picker || !text) return;
  var region = (picker.value || "").trim();
  if (!region) return;
  var lines = text.value.split("\n").map(function (line) { return line.trim(); }).filter(Boolean);
  if (lines.indexOf(region) === -1) lines.push(region);
  text.value = lines.join("\n");
  picker.value = "";
  picker.dispatchEvent(new Event("change", { bubbles: true }));
});
