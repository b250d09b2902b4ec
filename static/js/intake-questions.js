// Questions that depend on an earlier answer, kept apart from intake.js.
// Everything works without this file: the server hides the questions that are
// not asked on a page that knows the answer, and numbers what it shows. With
// it, the page follows each answer as it is chosen:
// - AUDIT-C: after "Never" for question 1, questions 2 and 3 are hidden
//   ([data-hide-when="name=value"]); the server scores them 0.
// - C-SSRS: the questions shown are numbered 1, 2, 3, ... in order
//   ([data-numbered-questions] holding [data-question] blocks), so that with
//   questions 3-5 hidden, question 6 reads as question 3. A reference to a
//   question's number ([data-number-of=name]) follows it.
(function () {
  "use strict";

  var LEADING_NUMBER = /^\s*\d+\.\s*/;

  function checkedValue(form, name) {
    var checked = form.querySelector("input[name='" + name + "']:checked");
    return checked ? checked.value : null;
  }

  function setupHideWhen(form) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-hide-when]"), function (block) {
      var rule = block.getAttribute("data-hide-when").split("=");
      var name = rule[0];
      var value = rule[1];
      function update() {
        block.hidden = checkedValue(form, name) === value;
      }
      Array.prototype.forEach.call(form.querySelectorAll("input[name='" + name + "']"), function (input) {
        input.addEventListener("change", update);
      });
      update();
    });
  }

  function isShown(element, root) {
    for (var node = element; node && node !== root; node = node.parentElement) {
      if (node.hidden) { return false; }
    }
    return true;
  }

  function labelTextNode(question) {
    // The question's own text: the first non-blank text node of its legend or label.
    var label = question.querySelector("legend, label");
    if (!label) { return null; }
    for (var node = label.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === 3 && /\S/.test(node.nodeValue)) { return node; }
    }
    return null;
  }

  function setNumber(question, number) {
    var text = labelTextNode(question);
    if (!text) { return; }
    var lead = text.nodeValue.match(/^\s*/)[0];
    var words = text.nodeValue.replace(LEADING_NUMBER, "");
    text.nodeValue = number ? lead + number + ". " + words : lead + words;
  }

  function renumber(root) {
    var number = 0;
    Array.prototype.forEach.call(root.querySelectorAll("[data-question]"), function (question) {
      if (!isShown(question, root)) { setNumber(question, null); return; }
      number += 1;
      setNumber(question, number);
      var name = question.getAttribute("data-question");
      Array.prototype.forEach.call(root.querySelectorAll("[data-number-of='" + name + "']"), function (ref) {
        ref.textContent = String(number);
      });
    });
  }

  function setupNumbering(form) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-numbered-questions]"), function (root) {
      // Runs after intake.js has shown or hidden the follow-ups for the same change.
      form.addEventListener("change", function () { renumber(root); });
      renumber(root);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form.intake-form"), function (form) {
      setupHideWhen(form);
      setupNumbering(form);
    });
  });
})();
