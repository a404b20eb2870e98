// A job's page: follow its progress by asking the server every few seconds, until the job ends; then reload,
// so the page shows what the server renders for a finished job (its error, its file, the button to run again).
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box || box.dataset.finished === "true" || !window.fetch) { return; }
  var bar = box.querySelector(".job-progress");
  var status = box.querySelector(".job-status");
  var count = box.querySelector(".job-count");
  var error = box.querySelector(".job-error");
  var list = document.querySelector(".job-units");
  var delay = 1500;

  function show(data) {
    if (bar) { bar.max = data.total || 1; bar.value = data.done; bar.textContent = data.percent + "%"; }
    if (status) { status.textContent = data.status_label; }
    if (count) { count.textContent = data.text; }
    if (error) { error.textContent = data.error; error.hidden = !data.error; }
    if (list && data.units_done.length) {
      list.textContent = "";
      data.units_done.forEach(function (unit) {
        var item = document.createElement("li");
        item.textContent = unit.code + " " + unit.name;
        list.appendChild(item);
      });
    }
  }

  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) { window.location.reload(); } else { window.setTimeout(poll, delay); }
      })
      .catch(function () { delay = Math.min(delay * 2, 30000); window.setTimeout(poll, delay); });
  }
  window.setTimeout(poll, delay);
})();
