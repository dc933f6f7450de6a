/* The course site: dark-mode toggle and the small-screen lesson menu. Loaded from the site
   itself (no inline scripts); the page works without it. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  var stored = null;
  try { stored = window.localStorage.getItem("course-theme"); } catch (e) { stored = null; }
  if (stored === "dark" || stored === "light") { root.setAttribute("data-theme", stored); }

  function systemDark() {
    return !!(window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches);
  }
  function isDark() {
    var t = root.getAttribute("data-theme");
    return t ? t === "dark" : systemDark();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var theme = document.querySelector(".theme-toggle");
    if (theme) {
      theme.setAttribute("aria-pressed", String(isDark()));
      theme.addEventListener("click", function () {
        var next = isDark() ? "light" : "dark";
        root.setAttribute("data-theme", next);
        theme.setAttribute("aria-pressed", String(next === "dark"));
        try { window.localStorage.setItem("course-theme", next); } catch (e) { /* file:// */ }
      });
    }
    var toggle = document.querySelector(".nav-toggle");
    var sidebar = document.getElementById("sidebar");
    if (toggle && sidebar) {
      toggle.addEventListener("click", function () {
        var open = sidebar.classList.toggle("open");
        toggle.setAttribute("aria-expanded", String(open));
      });
    }
  });
})();
