/* appealdesk staff desk: small progressive enhancements, no framework. A static file: the
   Content-Security-Policy allows no inline script (appealdesk/headers.py). */
(function () {
  "use strict";

  /* A failed action is re-rendered by the action's POST URL (status 422 or 409, entries
     kept); put the case's own URL back in the address bar so that a reload, a bookmark or a
     relative link there is the case page, not the action (issue 18). */
  var head = document.querySelector("[data-case-url]");
  if (head && window.location.pathname !== head.getAttribute("data-case-url")) {
    window.history.replaceState(null, "", head.getAttribute("data-case-url") + window.location.hash);
  }
})();

/* The worklist for people who live in it (issue 18): keyboard shortcuts and sorting the cases
   of the page by a column. Everything here is also reachable without it (links, buttons). */
(function () {
  "use strict";
  var table = document.getElementById("worklist-table");
  var help = document.getElementById("shortcuts");
  if (!table) {
    return;
  }
  var current = -1;

  function rows() {
    return Array.prototype.slice.call(table.querySelectorAll("tbody tr.case-row"));
  }

  function move(step) {
    var all = rows();
    if (!all.length) {
      return;
    }
    if (current >= 0 && all[current]) {
      all[current].classList.remove("current");
    }
    current = Math.max(0, Math.min(all.length - 1, current + step));
    var row = all[current];
    row.classList.add("current");
    row.querySelector(".case-number a").focus();
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function toggleHelp() {
    if (!help) {
      return;
    }
    if (help.open) {
      help.close();
    } else {
      help.showModal();
    }
  }

  var opener = document.getElementById("shortcuts-open");
  if (opener) {
    opener.addEventListener("click", toggleHelp);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    if (help && help.open && event.key !== "?") {
      return;
    }
    var all = rows();
    switch (event.key) {
      case "/":
        var search = document.getElementById("global-search");
        if (search) {
          event.preventDefault();
          search.focus();
          search.select();
        }
        break;
      case "j":
        event.preventDefault();
        move(1);
        break;
      case "k":
        event.preventDefault();
        move(current < 0 ? 1 : -1);
        break;
      case "o":
        if (current >= 0 && all[current]) {
          event.preventDefault();
          window.location.href = all[current].querySelector(".case-number a").href;
        }
        break;
      case "x":
        var box = current >= 0 && all[current] && all[current].querySelector("input[type=checkbox]");
        if (box) {
          event.preventDefault();
          box.checked = !box.checked;
        }
        break;
      case "?":
        event.preventDefault();
        toggleHelp();
        break;
    }
  });

  /* a row followed with the mouse or Tab becomes the current one for j/k */
  table.addEventListener("focusin", function (event) {
    var row = event.target.closest("tr.case-row");
    var all = rows();
    if (row && all.indexOf(row) !== current) {
      if (current >= 0 && all[current]) {
        all[current].classList.remove("current");
      }
      current = all.indexOf(row);
      row.classList.add("current");
    }
  });

  /* sort the page's rows by a column; again for the other direction */
  Array.prototype.forEach.call(table.querySelectorAll("button.sort"), function (button) {
    button.addEventListener("click", function () {
      var th = button.closest("th");
      var key = button.getAttribute("data-sort");
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(table.querySelectorAll("thead th"), function (other) {
        if (other.hasAttribute("aria-sort")) {
          other.setAttribute("aria-sort", "none");
        }
      });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.querySelector("tbody");
      var sorted = rows().sort(function (a, b) {
        var left = a.getAttribute("data-" + key) || "";
        var right = b.getAttribute("data-" + key) || "";
        return (ascending ? 1 : -1) * left.localeCompare(right);
      });
      sorted.forEach(function (row) {
        body.appendChild(row);
      });
      current = -1;
    });
  });
})();
