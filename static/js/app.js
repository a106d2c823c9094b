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
    document.querySelectorAll("form[data-keep-drafts]").forEach(keepDrafts);
    document.querySelectorAll("form[action$='/logout']").forEach(function (form) {
      form.addEventListener("submit", forgetDrafts);
    });
    document.querySelectorAll("ol[data-ordering]").forEach(enhanceOrdering);
    document.querySelectorAll("table[data-matching]").forEach(enhanceMatching);
    document.querySelectorAll("form.quiz-form input, form.quiz-form select, form.quiz-form textarea").forEach(function (field) {
      field.addEventListener("change", function () {
        var section = field.closest(".item");
        if (!section) { return; }
        var link = document.querySelector('.sheet-cell[href="#' + section.id + '"]');
        if (link) { link.classList.add("answered"); }
      });
    });
  });

  // What is typed or chosen in a long form (a role-play response, a review) is kept in this tab
  // (sessionStorage, gone when the tab closes) until it is sent, so that nothing is lost when a post bounces
  // to the login page (idle sign-out) or the network fails: back on the page, empty fields get their draft
  // again, for the same signed-in person.  Signing out forgets every draft.
  var DRAFT = "draft:";

  function keepDrafts(form) {
    var restored = false;
    var user = document.querySelector(".user-name");  // another person signing in on this tab gets none of them
    var owner = user ? user.textContent : "";
    var fields = form.querySelectorAll("textarea[name], input[type=text][name], input:not([type])[name], input[type=radio][name]");
    Array.prototype.forEach.call(fields, function (field) {
      var key = DRAFT + owner + ":" + window.location.pathname + "#" + field.name;
      var saved = stored(function (s) { return s.getItem(key); });
      var remember = function () { stored(function (s) { s.setItem(key, field.value); }); };
      if (field.type === "radio") {
        var group = form.querySelectorAll('input[type=radio][name="' + field.name + '"]');
        var chosen = Array.prototype.some.call(group, function (r) { return r.checked; });
        if (saved && field.value === saved && !chosen) { field.checked = true; restored = true; }
        field.addEventListener("change", remember);
        return;
      }
      if (saved && !field.value) {
        field.value = saved;
        field.dispatchEvent(new Event("input"));
        restored = true;
      }
      field.addEventListener("input", remember);
    });
    if (restored) {
      var note = document.createElement("p");
      note.className = "flash flash-info";
      note.setAttribute("role", "status");
      note.textContent = form.getAttribute("data-keep-drafts");
      form.insertBefore(note, form.firstChild);
    }
  }

  function forgetDrafts() {
    stored(function (s) {
      for (var i = s.length - 1; i >= 0; i--) {
        if (s.key(i).indexOf(DRAFT) === 0) { s.removeItem(s.key(i)); }
      }
    });
  }

  function stored(use) {  // sessionStorage can be switched off or full: drafts are a help, never a failure
    try { return use(window.sessionStorage); } catch (e) { return null; }
  }

  // Ordering items: 上移/下移 buttons move a row; the position drop-downs then follow the rows' order,
  // so the form posts exactly what the learner sees.  Without JavaScript the drop-downs alone work.
  function enhanceOrdering(list) {
    var status = document.createElement("p");
    status.className = "sr-only";
    status.setAttribute("aria-live", "polite");
    list.parentNode.insertBefore(status, list.nextSibling);
    Array.prototype.forEach.call(list.querySelectorAll("li.order-row"), function (row) {
      var label = row.querySelector("label").textContent;
      var controls = document.createElement("span");
      controls.className = "order-controls";
      controls.appendChild(moveButton(list, row, -1, "↑", list.getAttribute("data-up") + "：" + label, status));
      controls.appendChild(moveButton(list, row, 1, "↓", list.getAttribute("data-down") + "：" + label, status));
      row.appendChild(controls);
    });
  }

  // Matching items: an answer already given in another row is marked （已用） in every drop-down, so a
  // learner sees at a glance what is left; it stays selectable (a distractor may be the right pick).
  function enhanceMatching(table) {
    var selects = table.querySelectorAll("select");
    var mark = function () {
      var used = {};
      Array.prototype.forEach.call(selects, function (select) {
        if (select.value) { used[select.value] = (used[select.value] || 0) + 1; }
      });
      Array.prototype.forEach.call(selects, function (select) {
        Array.prototype.forEach.call(select.options, function (option) {
          if (!option.value) { return; }
          if (!option.hasAttribute("data-text")) { option.setAttribute("data-text", option.textContent); }
          var elsewhere = (used[option.value] || 0) - (select.value === option.value ? 1 : 0) > 0;
          option.textContent = option.getAttribute("data-text") + (elsewhere ? table.getAttribute("data-used") : "");
        });
      });
    };
    Array.prototype.forEach.call(selects, function (select) { select.addEventListener("change", mark); });
    mark();
  }

  function moveButton(list, row, step, symbol, name, status) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-icon";
    button.textContent = symbol;
    button.setAttribute("aria-label", name);
    button.addEventListener("click", function () {
      var target = step < 0 ? row.previousElementSibling : row.nextElementSibling;
      if (!target) { return; }
      list.insertBefore(row, step < 0 ? target : target.nextElementSibling);
      var rows = list.querySelectorAll("li.order-row");
      Array.prototype.forEach.call(rows, function (each, index) {
        var select = each.querySelector("select");
        select.value = String(index + 1);
        select.dispatchEvent(new Event("change", { bubbles: true }));
      });
      var position = Array.prototype.indexOf.call(rows, row) + 1;
      status.textContent = list.getAttribute("data-moved").replace("%(n)s", position);
      button.focus();
    });
    return button;
  }
})();
