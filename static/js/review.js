// Review pages: progressive enhancement only; every page works without it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Queue: changing a filter applies it at once.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    // Printable summary: a print button.
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    // Decision form: show only the fields the chosen decision needs.
    var form = document.querySelector("[data-decision-form]");
    if (form) {
      var sync = function () {
        var chosen = form.querySelector("input[name=kind]:checked");
        form.querySelectorAll("[data-for-kind]").forEach(function (block) {
          var show = !chosen || block.getAttribute("data-for-kind") === chosen.value ||
            block.querySelector(".is-invalid, .invalid-feedback");
          block.hidden = !show;
        });
      };
      form.addEventListener("change", sync);
      sync();
    }
  });
})();
