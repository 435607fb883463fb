// Optional. Everything works without it; it only makes leaving faster and
// safer, and moves focus to the error summary.
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
  var summary = document.querySelector(".error-summary, .notice");
  if (summary) { summary.setAttribute("tabindex", "-1"); summary.focus(); }
})();
