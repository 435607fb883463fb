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
  // can speak the page's language (a phone may have no Urdu voice: then no
  // button, rather than Urdu read badly by an English voice). It reads the
  // question, its hint and its choices; pressing it again stops. Its words
  // come from the page, so this one file serves every language.
  if ("speechSynthesis" in window && "SpeechSynthesisUtterance" in window) {
    var root = document.documentElement;
    var lang = (root.lang || "en").toLowerCase();
    var speech = window.speechSynthesis;
    var words = function (el) { return el.textContent.replace(/\s+/g, " ").trim(); };
    var hasVoice = function () {
      var voices = speech.getVoices() || [];
      for (var v = 0; v < voices.length; v++) {
        if ((voices[v].lang || "").toLowerCase().replace("_", "-").split("-")[0] === lang.split("-")[0]) { return true; }
      }
      return false;
    };
    var added = false;
    var addButtons = function () {
      if (added || !hasVoice()) { return; }
      added = true;
      var questions = document.querySelectorAll(".question");
      for (var i = 0; i < questions.length; i++) {
        (function (question) {
          var heading = question.querySelector("legend, .question-label");
          if (!heading) { return; }
          var button = document.createElement("button");
          var more = document.createElement("span");
          button.type = "button";
          button.className = "listen";
          button.textContent = root.getAttribute("data-listen") || "Listen";
          more.className = "visually-hidden";
          more.textContent = " " + (root.getAttribute("data-listen-more") || "");
          button.appendChild(more);
          button.addEventListener("click", function () {
            if (speech.speaking) { speech.cancel(); return; }
            var parts = [words(heading)];
            var rest = question.querySelectorAll(".hint, .option span, .house label");
            for (var j = 0; j < rest.length; j++) { parts.push(words(rest[j])); }
            var utterance = new window.SpeechSynthesisUtterance(parts.join(". "));
            utterance.lang = lang;
            speech.speak(utterance);
          });
          heading.parentNode.insertBefore(button, heading.nextSibling);
        })(questions[i]);
      }
    };
    addButtons();
    // Voices often arrive a moment after the page.
    if (!added && speech.addEventListener) { speech.addEventListener("voiceschanged", addButtons); }
  }
  var summary = document.querySelector(".error-summary, .notice");
  if (summary) { summary.setAttribute("tabindex", "-1"); summary.focus(); }
})();
