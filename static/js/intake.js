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

  // The crisis resources, shown the moment the server says an urgent safety
  // answer reached it: next to the answer that raised them, in view, with
  // keyboard focus moved there (the panel is a role=alert, so screen readers
  // announce it). Without JavaScript the server puts them at the top of the
  // next page.
  function showCrisis(near) {
    var slot = document.getElementById("crisis-slot");
    if (!slot || !slot.hidden) { return; }
    var anchor = near && near.closest ? near.closest("fieldset, [id^='div_id_'], .intake-followup") : null;
    if (anchor && anchor.parentNode) {
      anchor.parentNode.insertBefore(slot, anchor.nextSibling);
      slot.classList.add("crisis-inline");
    }
    slot.hidden = false;
    slot.setAttribute("tabindex", "-1");
    slot.focus({ preventScroll: true });
    slot.scrollIntoView({ block: "nearest" });
  }

  function setupAutosave(form) {
    var url = form.getAttribute("data-autosave");
    if (!url || !window.fetch || !window.FormData) { return; }
    var status = form.querySelector("[data-autosave-status]");
    var timer = null;
    var busy = false;
    var again = false;
    var dirty = false;
    var failing = false;
    var retryDelay = 2000;
    var lastField = null;
    var pending = null;

    function say(key) {
      if (status) { status.textContent = key ? (status.getAttribute(key) || "") : ""; }
    }

    function autosaveData() {
      var data = new FormData(form);
      data.set("action", "stay");
      data.set("autosave", "1");
      return data;
    }

    function save() {
      timer = null;
      if (busy) { again = true; return; }
      busy = true;
      dirty = false;
      fetch(url, {
        method: "POST",
        body: autosaveData(),
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), "X-Intake-Autosave": "1" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (result) {
        failing = false;
        retryDelay = 2000;
        say(result.session === "ended" ? "data-ended-text" : "data-saved-text");
        if (result.crisis) { showCrisis(lastField); }
      }).catch(function () {
        // Offline, or the server could not save (a database outage answers
        // 503): what is typed stays in the page; keep trying until it is saved.
        failing = true;
        dirty = true;
        say("data-retry-text");
        timer = window.setTimeout(save, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 30000);
      }).then(function () {
        busy = false;
        if (pending && !failing) { form.dispatchEvent(new CustomEvent("intake:saved")); return; }
        if (again) { again = false; schedule(); }
      });
    }

    function schedule() {
      dirty = true;
      if (timer) { window.clearTimeout(timer); }
      // data-autosave-delay: how long typing pauses before a save (ms).
      var delay = parseInt(form.getAttribute("data-autosave-delay"), 10) || 1200;
      timer = window.setTimeout(save, failing ? retryDelay : delay);
    }

    function remember(event) {
      if (event.target && event.target.name) { lastField = event.target; }
      schedule();
    }

    form.addEventListener("input", remember);
    form.addEventListener("change", remember);
    // Leaving the page (a tab closed, the phone locked) with typing not yet
    // saved: send it now rather than lose it.
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState !== "hidden" || !dirty || !navigator.sendBeacon) { return; }
      if (timer) { window.clearTimeout(timer); timer = null; }
      if (navigator.sendBeacon(url, autosaveData())) { dirty = false; }
    });
    window.addEventListener("beforeunload", function (event) {
      if (failing && !pending) { event.preventDefault(); event.returnValue = ""; }
    });
    form.addEventListener("submit", function (event) {
      if (timer) { window.clearTimeout(timer); timer = null; }
      if (failing) {
        // The connection is down: keep the page (and what is typed) and retry.
        event.preventDefault();
        say("data-offline-text");
        pending = event.submitter || null;
        save();
        return;
      }
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
