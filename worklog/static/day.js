// The day page: find a task by typing, and see an entry's points while filling it in.
// The server computes the points that count; this is only a preview with the same formula.
(function () {
  "use strict";
  function round2(x) { return Math.round((x + Number.EPSILON) * 100) / 100; }

  function setup(form) {
    var select = form.querySelector("#task_type");
    var filter = form.querySelector(".task-filter");
    var quantity = form.querySelector("#quantity");
    var output = form.querySelector("#points-preview");
    if (!select || !output) { return; }
    var coefficient = parseFloat(output.dataset.coefficient) || 1;
    // The completion factors of the rule set in force for the day, given by the page.
    var factors = { done: parseFloat(output.dataset.done), mostly: parseFloat(output.dataset.mostly),
                    not_done: parseFloat(output.dataset.notDone) };

    function update() {
      var option = select.options[select.selectedIndex];
      var checked = form.querySelector("input[name=completion]:checked");
      var q = parseFloat(quantity && quantity.value);
      if (!option || !option.value || isNaN(q) || !checked) { output.textContent = "—"; return; }
      var points = q * parseFloat(option.dataset.points) * factors[checked.value] * coefficient;
      output.textContent = round2(points).toFixed(2);
    }

    if (filter) {
      filter.addEventListener("input", function () {
        var words = filter.value.trim().toLowerCase();
        var first = null;
        Array.prototype.forEach.call(select.options, function (option) {
          if (!option.value) { return; }
          var match = !words || option.textContent.toLowerCase().indexOf(words) !== -1;
          option.hidden = !match;
          if (match && first === null) { first = option; }
        });
        if (words && first) { first.selected = true; }
        update();
      });
      filter.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); if (quantity) { quantity.focus(); quantity.select(); } }
      });
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  document.querySelectorAll("form.entry-form").forEach(setup);
}());
