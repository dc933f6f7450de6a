-- The conspect on the site: pandoc's HTML writer with the conventions course.lua gives the PDF,
-- numbered the same way. Math is written as the site's Markdown pages write it, for the site's
-- math step: <span class="math">\(…\)</span> inline, <div class="math" id="…">\[…\]</div>
-- for a display, which ends the paragraph around it (a <div> cannot sit inside a <p>).
--
-- 1. Theorem-like fenced divs  ::: {.theorem title="..."}  get "Theorem 3 (title)." in front,
--    numbered on one counter as in the PDF (theorem, lemma, …, remark); a proof ends with ∎.
-- 2. Display math carrying \label{..} gets the next equation number as \tag{n} (\tag{..} is kept)
--    and the label as its id; \eqref{..} and \ref{..} (in text, alone in $..$ or inside math)
--    become that number, linked in text.
-- 3. Headings go two levels down (the page's "Lecture notes" is an h2): the references
--    heading citeproc adds too, as this filter runs after it.
-- 4. ::: solution  becomes a collapsed <details> "Solution" block, or goes with
--    metadata course-solutions: false.

local THEOREMS = {
  theorem = "Theorem", lemma = "Lemma", proposition = "Proposition",
  corollary = "Corollary", definition = "Definition", example = "Example",
  remark = "Remark", proof = "Proof",
}
local ORDER = { "theorem", "lemma", "proposition", "corollary", "definition", "example",
  "remark", "proof" }

local numbers = {}   -- label -> number as text
-- pandoc's --id-prefix does not reach raw HTML: the display's id carries it (metadata
-- course-id-prefix, the same prefix)
local PREFIX = ""
local keep_solutions = true

local function theorem_kind(div)
  for _, kind in ipairs(ORDER) do
    if div.classes:includes(kind) then
      return kind
    end
  end
  return nil
end

-- Pass 1: number the equations and theorem blocks in document order.
local equation, theorem = 0, 0

local function number_math(m)
  if m.mathtype ~= "DisplayMath" then
    return nil
  end
  local tag = m.text:match("\\tag%*?%s*{([^}]*)}")
  local first = true
  for name in m.text:gmatch("\\label%s*{([^}]*)}") do
    if first and not tag then
      equation = equation + 1
    end
    numbers[name] = tag or tostring(equation)
    first = false
  end
  return nil
end

local function number_div(div)
  local kind = theorem_kind(div)
  if kind and kind ~= "proof" then
    theorem = theorem + 1
    if div.identifier ~= "" then
      numbers[div.identifier] = tostring(theorem)
    end
    div.attributes["course-number"] = tostring(theorem)
    return div
  end
  return nil
end

-- Pass 2: write them.
local function title_inlines(title)
  if not title or title == "" then
    return nil
  end
  local doc = pandoc.read(title, "markdown")
  if #doc.blocks == 0 then
    return nil
  end
  return doc.blocks[1].content
end

local function Div(div)
  if div.classes:includes("solution") then
    if not keep_solutions then
      return {}
    end
    local blocks = pandoc.List({
      pandoc.RawBlock("html", '<details class="solution">\n<summary>Solution</summary>'),
    })
    blocks:extend(div.content)
    blocks:insert(pandoc.RawBlock("html", "</details>"))
    return blocks
  end
  local kind = theorem_kind(div)
  if not kind then
    return nil
  end
  local head = pandoc.List()
  if kind == "proof" then
    head:insert(pandoc.Emph({ pandoc.Str("Proof.") }))
  else
    local number = div.attributes["course-number"] or ""
    local strong = pandoc.List({ pandoc.Str(THEOREMS[kind] .. " " .. number) })
    local title = title_inlines(div.attributes.title or div.attributes.name)
    if title then
      strong:insert(pandoc.Space())
      strong:insert(pandoc.Str("("))
      strong:extend(title)
      strong:insert(pandoc.Str(")"))
    end
    strong:insert(pandoc.Str("."))
    head:insert(pandoc.Strong(strong))
  end
  local content = div.content
  local first = content[1]
  if first and (first.t == "Para" or first.t == "Plain") then
    first.content:insert(1, pandoc.Space())
    for i = #head, 1, -1 do
      first.content:insert(1, head[i])
    end
  else
    content:insert(1, pandoc.Para(head))
  end
  if kind == "proof" then
    local last = content[#content]
    if last and (last.t == "Para" or last.t == "Plain") then
      last.content:insert(pandoc.Span({ pandoc.Str("∎") }, pandoc.Attr("", { "qed" })))
    else
      content:insert(pandoc.Para({ pandoc.Span({ pandoc.Str("∎") }, pandoc.Attr("", { "qed" })) }))
    end
  end
  div.attributes["course-number"] = nil
  div.attributes.title = nil
  div.attributes.name = nil
  div.classes = pandoc.List({ "thm", kind })
  return div
end

local function ref_target(text)
  local cmd, name = text:match("^%s*\\(%a+)%s*{([^}]*)}%s*$")
  if cmd == "eqref" or cmd == "ref" then
    return cmd, name
  end
  return nil
end

local function ref_link(cmd, name)
  local n = numbers[name] or "?"
  local text = cmd == "eqref" and "(" .. n .. ")" or n
  return pandoc.Link({ pandoc.Str(text) }, "#" .. name, "", pandoc.Attr("", { "ref" }))
end

local function escape(tex)
  return (tex:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end

local function inline_math(tex)
  return pandoc.RawInline("html", '<span class="math">\\(' .. escape(tex) .. '\\)</span>')
end

local function display_math(tex, id)
  local attr = id and (' id="' .. escape(id) .. '"') or ""
  return pandoc.RawInline("html",
    '<div class="math"' .. attr .. '>\\[' .. escape(tex) .. '\\]</div>')
end

local function is_display(el)
  return el.t == "RawInline" and el.format == "html" and el.text:sub(1, 17) == '<div class="math"'
end

-- A paragraph with displays in it becomes paragraphs and display blocks, in order.
local function split_displays(block)
  local found = false
  for _, el in ipairs(block.content) do
    if is_display(el) then
      found = true
      break
    end
  end
  if not found then
    return nil
  end
  local out = pandoc.List()
  local run = pandoc.List()
  local function flush()
    while #run > 0 and (run[1].t == "Space" or run[1].t == "SoftBreak") do
      run:remove(1)
    end
    while #run > 0 and (run[#run].t == "Space" or run[#run].t == "SoftBreak") do
      run:remove(#run)
    end
    if #run > 0 then
      out:insert(block.t == "Para" and pandoc.Para(run) or pandoc.Plain(run))
    end
    run = pandoc.List()
  end
  for _, el in ipairs(block.content) do
    if is_display(el) then
      flush()
      out:insert(pandoc.RawBlock("html", el.text))
    else
      run:insert(el)
    end
  end
  flush()
  return out
end

local function in_math_refs(tex)
  tex = tex:gsub("\\eqref%s*{([^}]*)}", function(name)
    return "\\text{(" .. (numbers[name] or "?") .. ")}"
  end)
  return tex:gsub("\\ref%s*{([^}]*)}", function(name)
    return "\\text{" .. (numbers[name] or "?") .. "}"
  end)
end

local function Math(m)
  if m.mathtype == "InlineMath" then
    local cmd, name = ref_target(m.text)
    if cmd then
      return ref_link(cmd, name)
    end
    return inline_math(in_math_refs(m.text))
  end
  local label = m.text:match("\\label%s*{([^}]*)}")
  local tag = m.text:match("\\tag%*?%s*{([^}]*)}")
  local tex = in_math_refs(m.text:gsub("\\label%s*{[^}]*}", ""))
  if label and not tag then
    tex = tex .. "\\tag{" .. numbers[label] .. "}"
  end
  return display_math(tex, label and (PREFIX .. label) or nil)
end

local function RawInline(raw)
  if raw.format ~= "tex" and raw.format ~= "latex" then
    return nil
  end
  local cmd, name = ref_target(raw.text)
  if cmd then
    return ref_link(cmd, name)
  end
  return nil
end

local function Header(h)
  h.level = math.min(h.level + 2, 6)
  return h
end

local function Meta(meta)
  local flag = meta["course-solutions"]
  keep_solutions = not (flag ~= nil and pandoc.utils.stringify(flag) == "false")
  if meta["course-id-prefix"] ~= nil then
    PREFIX = pandoc.utils.stringify(meta["course-id-prefix"])
  end
  return nil
end

return {
  { Meta = Meta },
  { Math = number_math, Div = number_div },
  { Div = Div },
  { Math = Math, RawInline = RawInline, Header = Header },
  { Para = split_displays, Plain = split_displays },
}
