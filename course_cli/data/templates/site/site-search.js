/* The search page. Over http(s): Pagefind's UI over the index in pagefind/ (built by
   `course build site`). Opened from a file, where browsers refuse the fetch() Pagefind loads its
   index with: the same text from assets/search-index.js (a <script> may load a file), searched
   here in plain JavaScript. Results are built with textContent: no page text becomes markup. */
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box) { return; }
  if (window.location.protocol !== "file:" && typeof PagefindUI !== "undefined") {
    new PagefindUI({ element: "#search", showSubResults: true, showImages: false });
    return;
  }

  var input = document.createElement("input");
  input.type = "search";
  input.className = "offline-search-input";
  input.placeholder = "Search the course";
  input.setAttribute("aria-label", "Search the course");
  var status = document.createElement("p");
  status.className = "offline-search-status muted";
  status.setAttribute("role", "status");
  var list = document.createElement("ol");
  list.className = "offline-search-results";
  box.appendChild(input);
  box.appendChild(status);
  box.appendChild(list);

  function words(text) {
    return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(function (w) { return w.length > 0; });
  }
  function startsAt(text, word) {  // where `word` starts a word of `text` (lower case), or -1
    var re = new RegExp("(^|[^\\p{L}\\p{N}])" + word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "u");
    var m = re.exec(text);
    return m ? m.index + m[1].length : -1;
  }
  function count(text, word) {
    var n = 0, from = 0, at;
    while ((at = startsAt(text.slice(from), word)) >= 0) { n += 1; from += at + word.length; }
    return n;
  }
  function excerpt(text, word) {
    var at = Math.max(0, startsAt(text.toLowerCase(), word));
    var start = Math.max(0, at - 80), end = Math.min(text.length, at + word.length + 120);
    var p = document.createElement("p");
    p.className = "offline-search-excerpt";
    p.appendChild(document.createTextNode((start > 0 ? "… " : "") + text.slice(start, at)));
    var mark = document.createElement("mark");
    mark.textContent = text.slice(at, at + word.length);
    p.appendChild(mark);
    p.appendChild(document.createTextNode(text.slice(at + word.length, end) + (end < text.length ? " …" : "")));
    return p;
  }

  function search(query) {
    var terms = words(query);
    var found = [];
    (window.COURSE_SEARCH_INDEX || []).forEach(function (page) {
      var best = null, score = 0;
      var whole = page.title.toLowerCase() + " " + page.sections.map(function (s) {
        return s.heading + " " + s.text;
      }).join(" ").toLowerCase();
      if (!terms.every(function (t) { return startsAt(whole, t) >= 0; })) { return; }
      page.sections.forEach(function (s) {
        var text = (s.heading + " " + s.text).toLowerCase();
        var hits = 0;
        terms.forEach(function (t) { hits += count(text, t) + 3 * count(s.heading.toLowerCase(), t); });
        score += hits;
        if (hits > 0 && (!best || hits > best.hits)) { best = { section: s, hits: hits }; }
      });
      found.push({ page: page, best: best, score: score });
    });
    found.sort(function (a, b) { return b.score - a.score; });
    return { terms: terms, found: found };
  }

  function show(query) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var result = search(query);
    if (!result.terms.length) { status.textContent = ""; return; }
    if (!window.COURSE_SEARCH_INDEX) {
      status.textContent = "The search index is missing: run course build site.";
      return;
    }
    status.textContent = result.found.length + (result.found.length === 1 ? " page" : " pages") +
      " for “" + query.trim() + "”";
    result.found.slice(0, 30).forEach(function (hit) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.className = "offline-search-link";
      var section = hit.best ? hit.best.section : null;
      a.href = hit.page.url + (section && section.id && section.heading !== hit.page.title ? "#" + section.id : "");
      a.textContent = hit.page.title;
      li.appendChild(a);
      if (section && section.heading && section.heading !== hit.page.title) {
        var where = document.createElement("p");
        where.className = "offline-search-section muted";
        where.textContent = section.heading;
        li.appendChild(where);
      }
      if (section && section.text) {
        var word = result.terms.filter(function (t) { return startsAt(section.text.toLowerCase(), t) >= 0; })[0];
        if (word) { li.appendChild(excerpt(section.text, word)); }
      }
      list.appendChild(li);
    });
  }

  input.addEventListener("input", function () { show(input.value); });
  var script = document.createElement("script");
  script.src = "assets/search-index.js";
  script.onload = function () { if (input.value) { show(input.value); } };
  script.onerror = function () { status.textContent = "The search index is missing: run course build site."; };
  document.head.appendChild(script);
  var asked = new URLSearchParams(window.location.search).get("q");
  if (asked) { input.value = asked; }
});
