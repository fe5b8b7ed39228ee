// Progressive enhancement only: refresh the answer panel as the questions are answered.
// Without this script, "Check my request" posts the form and the page shows the same panel.
(function () {
  "use strict";
  var form = document.getElementById("filing-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-check-url");
  var timer = null;
  function refresh() {
    var data = new FormData(form);
    ["eob", "medical_records", "other_files"].forEach(function (name) {
      var input = form.querySelector('input[type="file"][name="' + name + '"]');
      data.delete(name);
      if (input && input.files && input.files.length) { data.append("has_" + name, "1"); }
    });
    fetch(url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var old = document.getElementById("assess-panel");
        var box = document.createElement("div");
        box.innerHTML = html;
        var fresh = box.querySelector("#assess-panel");
        if (old && fresh) { old.innerHTML = fresh.innerHTML; old.setAttribute("aria-live", "polite"); }
      })
      .catch(function () { /* the button still works */ });
  }
  // show only the questions of the plan chosen (all are shown without this script)
  function showPlan() {
    var chosen = form.querySelector('input[name="program"]:checked');
    if (!chosen) { return; }
    Array.prototype.forEach.call(form.querySelectorAll("[data-program]"), function (el) {
      el.hidden = el.getAttribute("data-program") !== chosen.value;
      if (el.hidden && el.classList.contains("group")) {
        Array.prototype.forEach.call(el.querySelectorAll("input:checked"), function (r) {
          r.checked = false;
        });
      }
    });
  }
  showPlan();
  form.addEventListener("change", function (event) {
    if (event.target && event.target.name === "program") { showPlan(); }
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(refresh, 250);
  });
}());
