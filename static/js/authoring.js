// The source editor (templates/authoring/edit.html): a line-number gutter beside the plain textarea, a live preview
// fetched from the server after a pause in typing, and problem links that jump to their line.  Progressive
// enhancement only: without this script the 预览 button renders the same preview on the server.
(function () {
  "use strict";
  var DELAY = 600;

  function lineCount(text) {
    return text.split("\n").length;
  }

  function enhanceGutter(textarea, gutter) {
    var shown = 0;
    var update = function () {
      var lines = lineCount(textarea.value);
      if (lines !== shown) {
        var numbers = [];
        for (var i = 1; i <= lines; i += 1) { numbers.push(i); }
        gutter.textContent = numbers.join("\n");
        shown = lines;
      }
      gutter.scrollTop = textarea.scrollTop;
    };
    gutter.hidden = false;
    textarea.parentNode.classList.add("with-gutter");
    textarea.setAttribute("wrap", "off");
    textarea.addEventListener("input", update);
    textarea.addEventListener("scroll", function () { gutter.scrollTop = textarea.scrollTop; });
    update();
  }

  function goToLine(textarea, line) {
    var lines = textarea.value.split("\n");
    var start = 0;
    for (var i = 0; i < Math.min(line - 1, lines.length); i += 1) { start += lines[i].length + 1; }
    var end = start + (lines[line - 1] || "").length;
    textarea.focus();
    textarea.setSelectionRange(start, end);
    var height = textarea.scrollHeight / Math.max(1, lines.length);
    textarea.scrollTop = Math.max(0, (line - 3) * height);
  }

  function enhancePreview(form, textarea, target) {
    var timer = null;
    var sent = 0;
    var refresh = function () {
      var number = ++sent;
      var body = new FormData(form);
      body.delete("action");
      window.fetch(form.getAttribute("data-preview-url"), {
        method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" }
      }).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        if (html !== null && number === sent) { target.innerHTML = html; }
      }).catch(function () { /* the 预览 button still works */ });
    };
    textarea.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DELAY);
    });
    target.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-line]");
      if (link) {
        event.preventDefault();
        goToLine(textarea, parseInt(link.getAttribute("data-line"), 10) || 1);
      }
    });
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-preview-url]");
    var textarea = form && form.querySelector("textarea[data-source-editor]");
    if (!textarea) { return; }
    var gutter = form.querySelector(".line-gutter");
    if (gutter) { enhanceGutter(textarea, gutter); }
    var target = document.getElementById(form.getAttribute("data-preview-target"));
    if (target && window.fetch && window.FormData) { enhancePreview(form, textarea, target); }
  });
}());
