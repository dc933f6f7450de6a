"""Making the site's HTML safe to publish: an allow-list sanitiser for Markdown's raw HTML and
a Content-Security-Policy for every page.

READMEs and notes may hold raw HTML (``<details>``, ``<sub>``, tables); markdown-it passes it
through. :func:`sanitize` keeps an allow-list of tags and attributes (``nh3``, the Rust
``ammonia`` library) and drops ``<script>``, event handlers (``onerror=``) and URLs whose
scheme is not http(s)/mailto or relative (``javascript:``, ``data:``).
"""

from __future__ import annotations

from typing import Any

#: the policy of every page: scripts, styles and images only from the site itself (search runs
#: Pagefind's WebAssembly, hence 'wasm-unsafe-eval'; no inline script runs; MathJax's
#: SVG output needs inline styles; images may be data: URLs from Marp).
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'

_EXTRA_TAGS = {"details", "summary", "figure", "figcaption", "kbd", "mark", "section", "u"}
_URL_SCHEMES = {"http", "https", "mailto"}


def _options() -> dict[str, Any]:
    import nh3

    attributes = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
    generic = {"id", "class", "title", "lang", "dir", "style"}
    attributes["*"] = attributes.get("*", set()) | generic
    attributes.setdefault("a", set()).update({"href", "title"})
    attributes.setdefault("img", set()).update({"src", "alt", "title", "width", "height"})
    for cell in ("th", "td"):
        attributes.setdefault(cell, set()).update({"align", "colspan", "rowspan"})
    attributes.setdefault("ol", set()).update({"start"})
    return {
        "tags": set(nh3.ALLOWED_TAGS) | _EXTRA_TAGS,
        "attributes": attributes,
        "url_schemes": _URL_SCHEMES,
        "link_rel": None,
        "filter_style_properties": {"text-align", "width", "height"},
        "strip_comments": True,
    }


def sanitize(html: str) -> str:
    """``html`` with only allow-listed tags, attributes and URL schemes left."""
    import nh3

    return str(nh3.clean(html, **_options()))


def with_csp(page: str) -> str:
    """``page`` with the Content-Security-Policy meta tag first in its ``<head>``."""
    if "Content-Security-Policy" in page or "<head>" not in page:
        return page
    return page.replace("<head>", f"<head>\n{CSP_META}", 1)
