// The intake form, enhanced. Everything works without this file: the server
// saves each step, adds rows and checks every answer. With it, answers are
// saved as they are typed, follow-up questions appear when they apply, and
// rows are added without a page load.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setupAutosave(form) {
    var url = form.getAttribute("data-autosave");
    if (!url || !window.fetch || !window.FormData) { return; }
    var status = form.querySelector("[data-autosave-status]");
    var timer = null;
    var busy = false;
    var again = false;

    function save() {
      if (busy) { again = true; return; }
      busy = true;
      var data = new FormData(form);
      data.set("action", "stay");
      fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), "X-Intake-Autosave": "1" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (result) {
        if (status) {
          var key = result.session === "ended" ? "data-ended-text" : "data-saved-text";
          status.textContent = status.getAttribute(key) || "";
        }
        if (result.crisis) {
          var slot = document.getElementById("crisis-slot");
          if (slot && slot.hidden) { slot.hidden = false; }
        }
      }).catch(function () {
        if (status) { status.textContent = ""; }
      }).then(function () {
        busy = false;
        if (pending) { form.dispatchEvent(new CustomEvent("intake:saved")); return; }
        if (again) { again = false; schedule(); }
      });
    }

    function schedule() {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(save, 1200);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    var pending = null;
    form.addEventListener("submit", function (event) {
      if (timer) { window.clearTimeout(timer); }
      if (busy) {
        // Let an autosave in flight land first, so it cannot overwrite this save.
        event.preventDefault();
        pending = event.submitter || null;
      }
    });
    form.addEventListener("intake:saved", function () {
      if (!pending) { return; }
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = pending.name || "action";
      hidden.value = pending.value || "next";
      form.appendChild(hidden);
      pending = null;
      form.submit();
    });
  }

  function setupFollowUps(form) {
    var blocks = form.querySelectorAll("[data-show-when]");
    Array.prototype.forEach.call(blocks, function (block) {
      var rule = block.getAttribute("data-show-when").split("=");
      var name = rule[0];
      var value = rule[1];
      function update() {
        var checked = form.querySelector("input[name='" + name + "']:checked");
        block.hidden = !(checked && checked.value === value);
      }
      Array.prototype.forEach.call(form.querySelectorAll("input[name='" + name + "']"), function (input) {
        input.addEventListener("change", update);
      });
      update();
    });
  }

  function setupRows(form) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-add-row]"), function (button) {
      var prefix = button.getAttribute("data-add-row");
      var template = form.querySelector("template[data-row-template='" + prefix + "']");
      var rows = form.querySelector("[data-rows='" + prefix + "']");
      var total = form.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
      if (!template || !rows || !total) { return; }
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var index = parseInt(total.value, 10) || 0;
        var html = template.innerHTML.replace(/__prefix__/g, String(index));
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var row = holder.firstElementChild;
        var legend = row.querySelector("legend");
        if (legend) { legend.textContent = legend.textContent.replace(/:.*$/, ": " + (rows.children.length + 1)); }
        rows.appendChild(row);
        total.value = String(index + 1);
        var first = row.querySelector("input, select, textarea");
        if (first) { first.focus(); }
      });
    });
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target && target.name && /-DELETE$/.test(target.name)) {
        var row = target.closest("[data-row]");
        if (row) { row.classList.toggle("is-removed", target.checked); }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form.intake-form"), function (form) {
      setupAutosave(form);
      setupFollowUps(form);
      setupRows(form);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
