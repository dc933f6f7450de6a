"""LaTeX counters: values, ``within`` parents, aliases and how ``\\the<counter>`` prints."""

from __future__ import annotations


def roman(n: int) -> str:
    """Return ``n`` in upper-case Roman numerals."""
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                           (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                           (4, "IV"), (1, "I")):  # fmt: skip
        while n >= value:
            out += letters
            n -= value
    return out


def alph(n: int) -> str:
    """Return ``n`` as a capital letter (1 -> A), or as digits beyond 26."""
    return chr(ord("A") + n - 1) if 1 <= n <= 26 else str(n)


def format_counter(style: str, n: int) -> str:
    """Return counter value ``n`` in a LaTeX style (arabic, Roman, roman, Alph, alph)."""
    if style == "Roman":
        return roman(n)
    if style == "roman":
        return roman(n).lower()
    if style == "Alph":
        return alph(n)
    if style == "alph":
        return alph(n).lower()
    return str(n)


class Counters:
    """LaTeX counters with ``within`` parents (representation and cascading resets)."""

    def __init__(self, chapters: bool):
        self.value: dict[str, int] = {}
        self.alias: dict[str, str] = {}  # \newaliascnt / \let\c@a\c@b: a shares b's value
        self.within: dict[str, str | None] = {}
        self.style: dict[str, str] = {}
        chain = ["chapter", "section"] if chapters else ["section"]
        self.new("part", None, "Roman")
        parent = None
        for name in [*chain, "subsection", "subsubsection", "paragraph", "subparagraph"]:
            self.new(name, parent)
            parent = name
        for name in ("equation", "figure", "table", "footnote"):
            self.new(name, "chapter" if chapters else None)
        self.secnumdepth = 2 if chapters else 3
        # book/report print "\\thechapter." before these only when the chapter counter is > 0
        self.conditional = {"equation", "figure", "table"} if chapters else set()
        self.plain = {"footnote"}  # reset by chapters but printed without the prefix
        self.resets: dict[str, set[str]] = {}  # parent -> children (\\@addtoreset)
        self.template: dict[str, str] = {}  # \\renewcommand{\\thefigure}{...}

    def new(self, name: str, within: str | None, style: str = "arabic") -> None:
        """Declare a counter numbered within ``within`` (None: plain)."""
        self.value.setdefault(name, 0)
        self.within[name] = within if within in self.value else None
        self.style.setdefault(name, style)

    def key(self, name: str) -> str:
        """Return the counter whose value ``name`` uses (itself unless aliased)."""
        seen = 0
        while name in self.alias and seen < 10:
            name, seen = self.alias[name], seen + 1
        return name

    def step(self, name: str) -> str:
        """Step ``name``, reset its descendants, and return its representation."""
        key = self.key(name)
        self.value[key] = self.value.get(key, 0) + 1
        self.reset_below(name)
        if key != name:
            self.reset_below(key)
        return self.the(name)

    def reset_below(self, name: str) -> None:
        """Set the counters numbered within ``name`` (and theirs) to zero."""
        children = {c for c, parent in self.within.items() if parent == name}
        for child in sorted(children | self.resets.get(name, set())):
            if self.value.get(self.key(child)):
                self.value[self.key(child)] = 0
                self.reset_below(child)

    def the(self, name: str, depth: int = 0) -> str:
        """Return ``\\the<name>`` as LaTeX prints it (the book's own ``\\the<name>`` if it
        redefines it)."""
        if name in self.template and depth < 8:
            return self._expand(self.template[name], depth + 1)
        own = format_counter(self.style.get(name, "arabic"), self.value.get(self.key(name), 0))
        parent = self.within.get(name)
        if name in self.plain or (
            name in self.conditional and parent and not self.value.get(self.key(parent))
        ):
            return own
        return f"{self.the(parent)}.{own}" if parent else own

    def _expand(self, template: str, depth: int) -> str:
        """A ``\\the<name>`` body: ``\\thesection-\\roman{figure}`` -> ``1-ii``."""
        import re

        def sub(m: re.Match[str]) -> str:
            if m.group(1):
                return self.the(m.group(1), depth)
            return format_counter(m.group(2), self.value.get(self.key(m.group(3)), 0))

        out = re.sub(
            r"\\the([A-Za-z]+)|\\(arabic|roman|Roman|alph|Alph)\s*\{([A-Za-z]+)\}", sub, template
        )
        out = re.sub(r"\\(?:relax|protect)(?![A-Za-z])|[{}]", "", out)
        return out.strip()
