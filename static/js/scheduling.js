// Schedule filters: show the new view as soon as a choice changes (the
// "Show" button does the same without JavaScript).
(function () {
  "use strict";
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function () { form.submit(); });
  });
})();
