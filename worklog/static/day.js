// The day page: a quick entry line (a task and its quantity typed in one line, Enter adds it without reloading),
// finding a task by typing in the full form, and an entry's points while it is filled in.
// The server computes the points that count and checks every entry; this only saves keystrokes.
(function () {
  "use strict";
  function round2(x) { return Math.round((x + Number.EPSILON) * 100) / 100; }
  function squash(text) { return text.toLowerCase().replace(/\s+/g, ""); }

  // --- Finding tasks ------------------------------------------------------------------------------------------

  // The tasks the officer may log that day, read from the full form's list (the server wrote them there).
  function readTasks(select) {
    var tasks = [];
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) { return; }
      tasks.push({ id: option.value, name: option.dataset.name || option.textContent,
                   unit: option.dataset.unit || "", keys: (option.dataset.keys || "").split(" "),
                   usual: option.parentNode.dataset.usual === "1" });
    });
    return tasks;
  }

  // Tasks matching what was typed, best first: a key that is the query (the initials, the code), then a key that
  // starts with it, then one holding it; usual tasks first among equals.
  function find(tasks, query) {
    var q = squash(query);
    if (!q) { return []; }
    var found = [];
    tasks.forEach(function (task, index) {
      var best = 9;
      task.keys.forEach(function (key) {
        if (!key) { return; }
        if (key === q) { best = Math.min(best, 0); }
        else if (key.indexOf(q) === 0) { best = Math.min(best, 1); }
        else if (key.indexOf(q) !== -1) { best = Math.min(best, 2); }
      });
      if (best < 9) { found.push({ task: task, rank: best * 2 + (task.usual ? 0 : 1), index: index }); }
    });
    found.sort(function (a, b) { return a.rank - b.rank || a.index - b.index; });
    return found.map(function (f) { return f.task; });
  }

  // "jcj 3", "接处警 3", "xxpx 2h", "jcj ×3": the task's words, then a quantity and perhaps hours.
  // Any number is taken: the server says what is wrong with it (more than two decimals, too large).
  var NUMBER = /^[x×*]?(\d+(?:[.．]\d+)?)$/i;
  var HOURS = /^(\d+(?:[.．]\d+)?)(?:h|小时|时)$/i;
  // A task counted in hours: its quantity is the time spent, unless the line says otherwise.
  var HOUR_UNITS = ["小时", "时", "hour", "hours", "h"];
  function parseLine(text) {
    var words = text.trim().split(/\s+/).filter(Boolean);
    var quantity = null, hours = null;
    while (words.length > 1) {
      var last = words[words.length - 1], m;
      if (hours === null && (m = HOURS.exec(last))) { hours = m[1].replace("．", "."); words.pop(); continue; }
      if (quantity === null && (m = NUMBER.exec(last))) { quantity = m[1].replace("．", "."); words.pop(); continue; }
      break;
    }
    return { query: words.join(" "), quantity: quantity, hours: hours };
  }

  // --- The quick entry line -----------------------------------------------------------------------------------

  function setupQuick(section, select) {
    var form = section.querySelector("form");
    var line = section.querySelector("#quick-line");
    var list = section.querySelector("#quick-list");
    var status = section.querySelector("#quick-status");
    var tasks = readTasks(select);
    var matches = [], active = 0, chosen = null, busy = false;
    section.hidden = false;
    // The page opens on the line (autofocus does not reach an element that was hidden when the page loaded).
    if (!document.activeElement || document.activeElement === document.body) { line.focus(); }

    function say(text, bad) {
      status.textContent = text;
      status.classList.toggle("error", !!bad);
    }

    function show() {
      list.innerHTML = "";
      matches.slice(0, 8).forEach(function (task, i) {
        var item = document.createElement("li");
        item.id = "quick-option-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", i === active ? "true" : "false");
        item.textContent = task.name + (task.unit ? " · " + task.unit : "");
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();  // keep the focus in the line
          choose(task);
        });
        list.appendChild(item);
      });
      var open = matches.length > 0;
      line.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) { line.setAttribute("aria-activedescendant", "quick-option-" + active); }
      else { line.removeAttribute("aria-activedescendant"); }
    }

    function refresh() {
      var parsed = parseLine(line.value);
      if (chosen && parsed.query !== chosen.name) { chosen = null; }
      matches = chosen ? [] : find(tasks, parsed.query);
      active = 0;
      show();
    }

    // A task picked from the list or the usual tasks: its name goes into the line, then the quantity.
    function choose(task) {
      chosen = task;
      line.value = task.name + " ";
      matches = [];
      show();
      line.focus();
      say(section.dataset.needQuantity);
    }

    function add(then) {
      var parsed = parseLine(line.value);
      if (!parsed.query) { then(); return; }
      var task = chosen && parsed.query === chosen.name ? chosen : (matches[active] || find(tasks, parsed.query)[0]);
      if (!task) { say(section.dataset.noMatch, true); return; }
      if (parsed.quantity === null) { choose(task); return; }
      if (busy) { return; }
      busy = true;
      var data = new FormData();
      var token = form.querySelector("input[name=csrf_token]");
      if (token) { data.append("csrf_token", token.value); }
      data.append("task_type", task.id);
      data.append("quantity", parsed.quantity);
      var hours = parsed.hours !== null ? parsed.hours
        : (HOUR_UNITS.indexOf(task.unit.toLowerCase()) !== -1 ? parsed.quantity : null);
      if (hours !== null) { data.append("hours", hours); }
      data.append("completion", "done");
      fetch(section.dataset.url, { method: "POST", body: data, credentials: "same-origin",
                                   headers: { "X-Requested-With": "fetch", "Accept": "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (answer) {
          busy = false;
          if (!answer.ok) { say(answer.body.message, true); return; }
          document.querySelector("#entries tbody").innerHTML = answer.body.rows;
          var summary = document.querySelector("#day-summary");
          if (summary) { summary.outerHTML = answer.body.summary; }
          line.value = "";
          chosen = null;
          refresh();
          say(answer.body.message);
          then();
        })
        .catch(function () { busy = false; say(section.dataset.failed, true); });
    }

    function toSelfAssessment() {
      var field = document.querySelector("#self_assessment");
      if (field) { field.focus(); }
    }

    line.addEventListener("input", refresh);
    line.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!matches.length) { return; }
        event.preventDefault();
        var count = Math.min(matches.length, 8);
        active = (active + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
        show();
      } else if (event.key === "Escape") {
        matches = [];
        show();
      } else if (event.key === "Enter") {
        event.preventDefault();
        var onward = event.ctrlKey || event.metaKey || !line.value.trim();
        add(onward ? toSelfAssessment : function () { line.focus(); });
      }
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    section.querySelectorAll("[data-task]").forEach(function (button) {
      button.addEventListener("click", function () {
        var task = tasks.filter(function (t) { return t.id === button.dataset.task; })[0];
        if (task) { choose(task); }
      });
    });
  }

  // --- The full entry form ------------------------------------------------------------------------------------

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
    var tasks = readTasks(select);

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
        var found = find(tasks, filter.value);
        var shown = {};
        found.forEach(function (task) { shown[task.id] = true; });
        var words = filter.value.trim();
        Array.prototype.forEach.call(select.options, function (option) {
          if (!option.value) { return; }
          option.hidden = !!words && !shown[option.value];
        });
        if (words && found.length) { select.value = found[0].id; }
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
  var quick = document.querySelector("#quick-entry");
  var select = document.querySelector("form.entry-form #task_type");
  if (quick && select) { setupQuick(quick, select); }
}());
