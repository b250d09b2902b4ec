// The treatment session chart, enhanced. Everything works without this
// file: the Save button posts the chart and the server keeps what was typed.
// With it, the chart is saved as it is typed (and again when the page is
// hidden or closed), so a closed tab or a dropped connection loses nothing.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function showErrors(form, errors) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-error-for]"), function (slot) {
      var name = slot.getAttribute("data-error-for");
      var message = errors && errors[name] ? errors[name] : "";
      slot.textContent = message;
      var input = form.querySelector("[name='" + name + "']");
      if (input && input.type !== "radio") {
        input.classList.toggle("is-invalid", !!message);
        if (message) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
      }
    });
  }

  function setupAutosave(form) {
    var url = form.getAttribute("data-autosave");
    if (!url || !window.fetch || !window.FormData) { return; }
    var status = form.querySelector("[data-autosave-status]");
    var timer = null;
    var busy = false;
    var again = false;
    var dirty = false;
    var pending = null;

    function say(key) {
      if (status) { status.textContent = status.getAttribute(key) || ""; }
    }

    function save() {
      if (busy) { again = true; return; }
      busy = true;
      dirty = false;
      fetch(url, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), "X-Session-Autosave": "1" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (result) {
        say(result.session === "ended" ? "data-ended-text" : "data-saved-text");
        if (result.errors) { showErrors(form, result.errors); }
      }).catch(function () {
        dirty = true;
        say("data-failed-text");
      }).then(function () {
        busy = false;
        if (pending) { var button = pending; pending = null; submitWith(button); return; }
        if (again) { again = false; schedule(); }
      });
    }

    function schedule() {
      dirty = true;
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(save, 800);
    }

    function submitWith(button) {
      if (button && button.name) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = button.name;
        hidden.value = button.value;
        form.appendChild(hidden);
      }
      form.submit();
    }

    // Closing the tab or leaving the page: send what is unsaved at once.
    function flush() {
      if (!dirty || !navigator.sendBeacon) { return; }
      if (timer) { window.clearTimeout(timer); }
      var data = new FormData(form);
      data.append("beacon", "1");
      // sendBeacon cannot set headers; the CSRF token travels in the form data.
      navigator.sendBeacon(url + "?autosave=1", data);
      dirty = false;
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    form.addEventListener("submit", function (event) {
      if (timer) { window.clearTimeout(timer); }
      dirty = false;  // the submitted form carries what was typed: no beacon after it
      if (busy) {
        event.preventDefault();
        pending = event.submitter || true;
      }
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { flush(); }
    });
    window.addEventListener("pagehide", flush);
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(
      document.querySelectorAll("form.session-form, form.vitals-form[data-autosave]"), setupAutosave
    );
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
