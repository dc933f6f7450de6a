-- Course conventions for conspects, for pandoc's LaTeX and typst writers.
--
-- 1. Theorem-like fenced divs  ::: {.theorem title="..."}  become amsthm environments (LaTeX)
--    or calls of course-thm() defined in course-header.typ (typst).
-- 2. Display math carrying \label{..} or \tag{..} becomes a numbered equation; \eqref{..}
--    and \ref{..} (in text or alone in $..$) refer to it, in both outputs.
-- 3. Solutions (fenced divs  ::: solution) move to a "Solutions" section at the end; where
--    each stood, a line links to it. The section starts a new page. Metadata
--    course-solutions: false removes them instead.
-- 4. typst only: raw align/gather/equation environments become display math, and the TeX
--    that pandoc's typst writer gets wrong (\! \; \| \tag \label, arg max limits) is fixed.

local THEOREMS = {
  theorem = "Theorem", lemma = "Lemma", proposition = "Proposition",
  corollary = "Corollary", definition = "Definition", example = "Example",
  remark = "Remark", proof = "Proof",
}
local ORDER = { "theorem", "lemma", "proposition", "corollary", "definition", "example",
  "remark", "proof" }

local TYPST = FORMAT:match("typst") ~= nil
local LATEX = FORMAT:match("latex") ~= nil or FORMAT:match("beamer") ~= nil

local function typst_string(s)
  return '"' .. s:gsub("\\", "\\\\"):gsub('"', '\\"') .. '"'
end

local function typst_label(name)
  return "<" .. name:gsub("[^%w_:%.%-]", "-") .. ">"
end

-- Pull \label{..}, \tag{..}, \nonumber out of a formula: returns body, label, tag.
local function strip_numbering(tex)
  local label, tag
  local extra = {}
  tex = tex:gsub("\\label%s*(%b{})", function(arg)
    if label then
      table.insert(extra, arg:sub(2, -2))
    else
      label = arg:sub(2, -2)
    end
    return ""
  end)
  tex = tex:gsub("\\tag%*?%s*(%b{})", function(arg)
    tag = tag or arg:sub(2, -2)
    return ""
  end)
  tex = tex:gsub("\\nonumber", ""):gsub("\\notag", "")
  return tex, label, tag, extra
end

-- TeX -> typst math, through pandoc's own writer, then the fixes it needs.
local function typst_math(tex, display)
  local stars = {}
  for name in tex:gmatch("\\operatorname%*%s*(%b{})") do
    stars[name:gsub("\\[,;:!]", ""):gsub("[^%w]", "")] = true
  end
  stars["argmax"] = true
  stars["argmin"] = true
  -- \| and \lVert..\rVert become `parallel`/∥, a relation symbol with relation spacing.
  -- Pair bare norms into \left..\right so typst gets lr(‖x‖) with the subscript after it.
  tex = tex:gsub("\\left%s*\\[lr]?Vert", "\1L"):gsub("\\left%s*\\|", "\1L")
  tex = tex:gsub("\\right%s*\\[lr]?Vert", "\1R"):gsub("\\right%s*\\|", "\1R")
  tex = tex:gsub("\\[lr]?Vert", "\1V"):gsub("\\|", "\1V")
  tex = tex:gsub("\1V([^\1]-)\1V", function(inner)
    if inner:find("\\\\", 1, true) or inner:find("&", 1, true) then
      return nil -- not a pair: the bars are on different rows or columns
    end
    return "\1L" .. inner .. "\1R"
  end)
  tex = tex:gsub("\1L", "\\left\\Vert "):gsub("\1R", "\\right\\Vert "):gsub("\1V", "\\Vert ")
  local kind = display and "DisplayMath" or "InlineMath"
  local out = pandoc.write(pandoc.Pandoc({ pandoc.Plain({ pandoc.Math(kind, tex) }) }), "typst")
  out = out:gsub("%s+$", "")
  if not out:match("^%$.*%$$") then
    return nil -- pandoc could not convert it (and has already warned)
  end
  out = out:gsub("#h%(%-1em%)", "#h(-0.1667em)")   -- \!  (a thin negative space)
  out = out:gsub("#h%(0em%)", "#h(0.2778em)")      -- \;  (a thick space)
  out = out:gsub("∥", "‖")
  -- Symbol names pandoc's writer still uses but typst 0.14 renamed.
  out = out:gsub("%f[%w]dot%.circle", "dot.o"):gsub("%f[%w]times%.circle", "times.o")
  out = out:gsub("%f[%w]minus%.circle", "minus.o"):gsub("%f[%w]sect%f[^%w]", "inter")
  -- \operatorname{X} arrives as a bare string "X": make it an operator (spacing, limits).
  out = out:gsub('([^%w%(,=])(%s*)"([^"\\]+)"', function(before, space, name)
    if before == ":" then
      return nil -- a named argument such as cases(delim: "{")
    end
    local call = "op(" .. typst_string(name) .. ")"
    if display and stars[name:gsub("[^%w]", "")] then
      call = "op(" .. typst_string(name) .. ", limits: #true)"
    end
    return before .. space .. call
  end)
  if display then
    out = out:gsub("arg max_", 'op("arg max", limits: #true)_')
    out = out:gsub("arg min_", 'op("arg min", limits: #true)_')
  end
  return out
end

local function numbered_typst(body_typst, label, tag, extra)
  local numbering = '"(1)"'
  if tag then
    numbering = "n => " .. typst_string("(" .. tag .. ")")
  end
  local s = "#math.equation(block: true, numbering: " .. numbering .. ", " .. body_typst .. ")"
  if label then
    s = s .. " " .. typst_label(label)
  end
  if tag then
    s = s .. "#counter(math.equation).update(n => n - 1)"
  end
  -- typst numbers a block once: further labels in it refer to that number.
  for _, name in ipairs(extra or {}) do
    s = s .. "#metadata(\"course-eq\") " .. typst_label(name)
  end
  return s
end

local function ref_target(text)
  local cmd, name = text:match("^%s*\\(%a+)%s*{([^}]*)}%s*$")
  if cmd == "eqref" or cmd == "ref" then
    return cmd, name
  end
  return nil
end

local function typst_ref(cmd, name)
  local fn = cmd == "eqref" and "course-eqref" or "course-ref"
  return pandoc.RawInline("typst", "#" .. fn .. "(" .. typst_label(name) .. ")")
end

-- Pass 1: blocks (theorem divs, raw math environments).

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

local function theorem_kind(div)
  for _, kind in ipairs(ORDER) do
    if div.classes:includes(kind) then
      return kind
    end
  end
  return nil
end

local function Div(div)
  local kind = theorem_kind(div)
  if not kind then
    return nil
  end
  local title = title_inlines(div.attributes.title or div.attributes.name)
  local opening = pandoc.List()
  local closing
  if LATEX then
    opening:insert(pandoc.RawInline("latex", "\\begin{" .. kind .. "}"))
    if title then
      opening:insert(pandoc.RawInline("latex", "[{"))
      opening:extend(title)
      opening:insert(pandoc.RawInline("latex", "}]"))
    end
    if div.identifier ~= "" then
      opening:insert(pandoc.RawInline("latex", "\\label{" .. div.identifier .. "}"))
    end
    closing = pandoc.RawBlock("latex", "\\end{" .. kind .. "}")
  elseif TYPST then
    opening:insert(pandoc.RawInline("typst", "#course-thm(" .. typst_string(kind) .. ", "
      .. typst_string(THEOREMS[kind]) .. ", title: "))
    if title then
      opening:insert(pandoc.RawInline("typst", "["))
      opening:extend(title)
      opening:insert(pandoc.RawInline("typst", "]"))
    else
      opening:insert(pandoc.RawInline("typst", "none"))
    end
    opening:insert(pandoc.RawInline("typst", ")["))
    closing = pandoc.RawBlock("typst", "]")
  else
    return nil
  end
  local blocks = pandoc.List({ pandoc.Plain(opening) })
  blocks:extend(div.content)
  -- Close inside the last paragraph: the proof's end mark then sits on its last line.
  local last = blocks[#blocks]
  if #blocks > 1 and (last.t == "Para" or last.t == "Plain") then
    if LATEX then
      last.content:insert(pandoc.RawInline("latex", closing.text))
      return blocks
    elseif kind == "proof" then
      last.content:insert(pandoc.RawInline("typst", "#h(1fr)$square$"))
      blocks:insert(closing)
      return blocks
    end
  elseif TYPST and kind == "proof" then
    blocks:insert(pandoc.Plain({ pandoc.RawInline("typst", "#h(1fr)$square$") }))
  end
  blocks:insert(closing)
  return blocks
end

local ENVIRONMENTS = {
  ["align"] = "aligned", ["align*"] = "aligned", ["flalign"] = "aligned",
  ["flalign*"] = "aligned", ["alignat"] = "alignedat", ["alignat*"] = "alignedat",
  ["gather"] = "gathered", ["gather*"] = "gathered",
  ["equation"] = false, ["equation*"] = false, ["multline"] = false, ["multline*"] = false,
}

-- typst: \begin{align*} … \end{align*} written bare in Markdown is a raw LaTeX block the
-- typst writer drops; make it display math (numbered if it is an unstarred environment).
local function math_environment(text)
  local env, body = text:match("^%s*\\begin{([%a%*]+)}(.*)\\end{%1}%s*$")
  if not env or ENVIRONMENTS[env] == nil then
    return nil
  end
  local inner = ENVIRONMENTS[env]
  local tex = body
  if env == "alignat" or env == "alignat*" then
    local cols
    cols, body = body:match("^%s*(%b{})(.*)$")
    tex = "\\begin{alignedat}" .. cols .. body .. "\\end{alignedat}"
  elseif inner then
    tex = "\\begin{" .. inner .. "}" .. body .. "\\end{" .. inner .. "}"
  end
  if not env:match("%*$") and not tex:match("\\label") and not tex:match("\\tag") then
    tex = tex .. "\\label{}" -- numbered without a name
  end
  return pandoc.Para({ pandoc.Math("DisplayMath", tex) })
end

local function is_tex(format)
  return format == "latex" or format == "tex"
end

local function RawBlock(block)
  if TYPST and is_tex(block.format) then
    return math_environment(block.text)
  end
  return nil
end

-- pandoc reads a bare environment surrounded by blank lines as a paragraph of one raw inline.
local function Para(para)
  local only = para.content[1]
  if TYPST and #para.content == 1 and only.t == "RawInline" and is_tex(only.format) then
    return math_environment(only.text)
  end
  return nil
end

-- Pass 2: inlines (math and references).

local function Math(m)
  if m.mathtype == "InlineMath" then
    local cmd, name = ref_target(m.text)
    if cmd and TYPST then
      return typst_ref(cmd, name)
    end
    if TYPST then
      local out = typst_math(m.text, false)
      return out and pandoc.RawInline("typst", out) or nil
    end
    return nil
  end
  local body, label, tag, extra = strip_numbering(m.text)
  if LATEX then
    local env = m.text:match("^%s*\\begin%s*{(%a+)%*?}")
    if env and ENVIRONMENTS[env] ~= nil then
      return nil -- a whole numbered environment: pandoc writes it as it is
    end
    if label or tag then
      return pandoc.RawInline("latex", "\\begin{equation}" .. m.text .. "\\end{equation}")
    end
    return nil
  end
  if TYPST then
    local out = typst_math(body, true)
    if not out then
      return nil
    end
    if label or tag then
      if label == "" then
        label = nil
      end
      return pandoc.RawInline("typst", numbered_typst(out, label, tag, extra))
    end
    return pandoc.RawInline("typst", out)
  end
  return nil
end

local function RawInline(raw)
  if not TYPST or not is_tex(raw.format) then
    return nil
  end
  local cmd, name = ref_target(raw.text)
  if cmd then
    return typst_ref(cmd, name)
  end
  return nil
end

-- Pass S: `::: solution` divs go to a "Solutions" section at the end (or nowhere).

local function is_solution(div)
  return div.classes:includes("solution")
end

local function move_solutions(doc)
  local flag = doc.meta["course-solutions"]
  local keep = not (flag ~= nil and pandoc.utils.stringify(flag) == "false")
  local collected = pandoc.List()
  local heading = nil
  local function take(div)
    if not is_solution(div) then
      return nil
    end
    if not keep then
      return {}
    end
    local n = #collected + 1
    local id = "solution-" .. n
    collected:insert({ id = id, n = n, heading = heading, content = div.content })
    return pandoc.Para({ pandoc.Emph({ pandoc.Str("Solution:"), pandoc.Space(),
      pandoc.Link({ pandoc.Str("Solution " .. n) }, "#" .. id), pandoc.Space(),
      pandoc.Str("at the end.") }) })
  end
  local blocks = pandoc.List()
  for _, block in ipairs(doc.blocks) do
    if block.t == "Header" then
      heading = pandoc.utils.stringify(block.content)
      blocks:insert(block)
    elseif block.t == "Div" and is_solution(block) then
      local replaced = take(block)
      if replaced.t then
        blocks:insert(replaced)
      end
    else
      blocks:insert(pandoc.walk_block(block, { Div = take }))
    end
  end
  doc.blocks = blocks
  if #collected > 0 then
    -- On a page of their own: a handout can be printed without them.
    if LATEX then
      doc.blocks:insert(pandoc.RawBlock("latex", "\\clearpage"))
    elseif TYPST then
      doc.blocks:insert(pandoc.RawBlock("typst", "#pagebreak()"))
    end
    doc.blocks:insert(pandoc.Header(1, "Solutions", pandoc.Attr("solutions", { "unnumbered" })))
    for _, sol in ipairs(collected) do
      local title = "Solution " .. sol.n
      if sol.heading then
        title = title .. " (" .. sol.heading .. ")"
      end
      doc.blocks:insert(pandoc.Header(2, title, pandoc.Attr(sol.id, { "unnumbered" })))
      doc.blocks:extend(sol.content)
    end
  end
  return doc
end

-- Pass 0: every \eqref/\ref must name a \label (or a heading/div id) of this document.

local defined, referenced = {}, pandoc.List()

local function collect_labels(text)
  for name in text:gmatch("\\label%s*{([^}]*)}") do
    defined[name] = true
  end
  for cmd, name in text:gmatch("\\(%a+)%s*{([^}]*)}") do
    if cmd == "eqref" or cmd == "ref" then
      referenced:insert("\\" .. cmd .. "{" .. name .. "}")
    end
  end
end

local function collect_id(el)
  if el.identifier ~= "" then
    defined[el.identifier] = true
  end
end

local function report_undefined()
  for _, ref in ipairs(referenced) do
    local name = ref:match("{(.*)}")
    if not defined[name] then
      pandoc.log.warn("Undefined reference " .. ref)
    end
  end
end

return {
  { Pandoc = move_solutions },
  {
    Math = function(m) collect_labels(m.text) end,
    RawInline = function(r) collect_labels(r.text) end,
    RawBlock = function(r) collect_labels(r.text) end,
    Div = collect_id,
    Header = collect_id,
    Pandoc = report_undefined,
  },
  { Div = Div, RawBlock = RawBlock, Para = Para },
  { Math = Math, RawInline = RawInline },
}
