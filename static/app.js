// Optional. Everything works without it; it only makes leaving faster and
// safer, reads questions aloud, and moves focus to the error summary.
(function () {
  "use strict";
  var leave = document.querySelector("[data-leave]");
  if (leave) {
    var target = leave.getAttribute("href");
    var go = function (event) {
      if (event) { event.preventDefault(); }
      // Blank the screen first, so nothing shows while the next site loads,
      // then replace this page in the history rather than adding to it.
      document.documentElement.className += " leaving";
      document.title = "Loading";
      window.location.replace(target);
    };
    leave.addEventListener("click", go);
    // Shift pressed three times within five seconds, as GOV.UK's "Exit this page".
    var presses = 0, timer = null;
    document.addEventListener("keyup", function (event) {
      if (event.key !== "Shift") { presses = 0; return; }
      presses += 1;
      if (!timer) { timer = setTimeout(function () { presses = 0; timer = null; }, 5000); }
      if (presses >= 3) { go(); }
    });
  }
  // Read aloud: a "Listen" button by each question, only where the browser
  // can speak. It reads the question, its hint and its choices, in the
  // page's language; pressing it again stops.
  if ("speechSynthesis" in window && "SpeechSynthesisUtterance" in window) {
    var words = function (el) { return el.textContent.replace(/\s+/g, " ").trim(); };
    var questions = document.querySelectorAll(".question");
    for (var i = 0; i < questions.length; i++) {
      (function (question) {
        var heading = question.querySelector("legend, .question-label");
        if (!heading) { return; }
        var button = document.createElement("button");
        button.type = "button";
        button.className = "listen";
        button.innerHTML = 'Listen<span class="visually-hidden"> to this question</span>';
        button.addEventListener("click", function () {
          var speech = window.speechSynthesis;
          if (speech.speaking) { speech.cancel(); return; }
          var parts = [words(heading)];
          var more = question.querySelectorAll(".hint, .option span, .house label");
          for (var j = 0; j < more.length; j++) { parts.push(words(more[j])); }
          var utterance = new window.SpeechSynthesisUtterance(parts.join(". "));
          utterance.lang = document.documentElement.lang || "en";
          speech.speak(utterance);
        });
        heading.parentNode.insertBefore(button, heading.nextSibling);
      })(questions[i]);
    }
  }
  var summary = document.querySelector(".error-summary, .notice");
  if (summary) { summary.setAttribute("tabindex", "-1"); summary.focus(); }
})();
