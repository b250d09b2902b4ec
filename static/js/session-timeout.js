// The idle-session warning (templates/partials/session_timeout.html).
// Progressive enhancement: without this file the server still ends idle
// sessions; with it, the person is warned shortly before and can stay.
(function () {
  "use strict";
  var box = document.getElementById("session-timeout");
  if (!box || !window.fetch) { return; }
  var idle = parseInt(box.getAttribute("data-idle-seconds"), 10);
  var warning = parseInt(box.getAttribute("data-warning-seconds"), 10);
  if (!(idle > 0)) { return; }
  var countdown = box.querySelector("[data-session-countdown]");
  var stay = box.querySelector("[data-session-stay]");
  var deadline, timer;

  function restart() {
    deadline = Date.now() + idle * 1000;
    box.hidden = true;
  }

  function tick() {
    var left = Math.round((deadline - Date.now()) / 1000);
    if (left <= 0) {
      box.hidden = false;
      box.querySelector("[data-session-warning]").hidden = true;
      box.querySelector("[data-session-ended]").hidden = false;
      box.querySelector("[data-session-login]").hidden = false;
      stay.hidden = true;
      window.clearInterval(timer);
      return;
    }
    if (left <= warning) {
      if (box.hidden) { box.hidden = false; stay.focus(); }
      var minutes = Math.floor(left / 60), seconds = left % 60;
      countdown.textContent = "(" + minutes + ":" + (seconds < 10 ? "0" : "") + seconds + ")";
    }
  }

  box.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(box.action, {
      method: "POST",
      body: new FormData(box),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.ok) { restart(); } else { deadline = Date.now(); tick(); }
    });
  });
  // Any request the page makes to the server (htmx autosave, search) also
  // starts the server's idle clock again.
  document.body.addEventListener("htmx:afterRequest", restart);

  restart();
  timer = window.setInterval(tick, 1000);
})();
