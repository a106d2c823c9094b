// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var button = event.submitter;
        if (button && button.hasAttribute("data-submit") && !window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
    var timer = document.querySelector(".timer[data-remaining]");
    if (timer) {
      var left = parseInt(timer.getAttribute("data-remaining"), 10);
      var format = timer.getAttribute("data-format");
      var tick = function () {
        left = Math.max(0, left - 1);
        timer.textContent = format.replace("%(m)s", Math.floor(left / 60)).replace("%(s)s", left % 60);
        if (left === 60) { timer.setAttribute("aria-live", "assertive"); }
      };
      window.setInterval(tick, 1000);
    }
    document.querySelectorAll("form.quiz-form input, form.quiz-form select, form.quiz-form textarea").forEach(function (field) {
      field.addEventListener("change", function () {
        var section = field.closest(".item");
        if (!section) { return; }
        var link = document.querySelector('.sheet-cell[href="#' + section.id + '"]');
        if (link) { link.classList.add("answered"); }
      });
    });
  });
})();
