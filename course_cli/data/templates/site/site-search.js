/* The search page: Pagefind's UI over the index in pagefind/ (built by `course build site`). */
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  if (typeof PagefindUI === "undefined") { return; }
  new PagefindUI({ element: "#search", showSubResults: true, showImages: false });
  var note = document.querySelector(".search-note");
  if (note && window.location.protocol !== "file:") { note.hidden = true; }
});
