// Marp engine of the course: the built-in Marp Core with the course math macros.
//
// Marp Core renders math with MathJax on the server and offers no option for TeX macros, so
// this engine prepends the definitions read from the macros file (COURSE_MARP_MACROS, one
// \newcommand / \DeclareMathOperator a line) to every math expression of the deck.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const DEFINITION = /^\\(newcommand|renewcommand|DeclareMathOperator\*?)\b/

export function readMacros(file) {
  if (!file) return ''
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|[^\\])%.*$/, '$1').trim())
    .filter((line) => DEFINITION.test(line))
    .join('')
}

export function mathMacros(md, preamble) {
  if (!preamble) return
  // MathJax keeps \newcommand definitions for the rest of a render (Marp Core makes one
  // MathJax document per render), so the first math expression of each render carries them.
  const isMath = (t) => t.type === 'marp_math_inline' || t.type === 'marp_math_block'
  md.core.ruler.after('inline', 'course_math_macros', (state) => {
    for (const token of state.tokens) {
      for (const t of [token, ...(token.children ?? [])]) {
        if (isMath(t)) {
          t.content = preamble + t.content
          return
        }
      }
    }
  })
}

// Marp exits 0 when MathJax cannot typeset an expression (it draws an undefined macro in
// red, a TeX error as merror). Report each such expression on stderr, one JSON line after
// the marker, whatever the output format, so the build can fail the deck without rendering
// it twice.
export const MATH_MARKER = '[course-math] '
const MATH_FAILED = /data-mml-node="merror"|data-mml-node="mtext" fill="red"/
const MJX_ERROR = /data-mjx-error="([^"]+)"/g
const RED_TEXT = /<g data-mml-node="mtext" fill="red" stroke="red">(.*?)<\/g>/g
const GLYPH = /data-c="([0-9A-Fa-f]+)"/g

function mathProblems(svg) {
  const found = new Set()
  for (const m of svg.matchAll(MJX_ERROR)) found.add(m[1])
  for (const m of svg.matchAll(RED_TEXT)) {
    found.add([...m[1].matchAll(GLYPH)].map((g) => String.fromCodePoint(parseInt(g[1], 16))).join(''))
  }
  return [...found]
}

export function reportMathErrors(md, preamble, write = (line) => process.stderr.write(line)) {
  for (const name of ['marp_math_inline', 'marp_math_block']) {
    const render = md.renderer.rules[name]
    if (!render) continue
    md.renderer.rules[name] = (tokens, idx, options, env, self) => {
      const out = render(tokens, idx, options, env, self)
      if (MATH_FAILED.test(out)) {
        let tex = tokens[idx].content
        if (preamble && tex.startsWith(preamble)) tex = tex.slice(preamble.length)
        write(MATH_MARKER + JSON.stringify({ tex, problems: mathProblems(out) }) + '\n')
      }
      return out
    }
  }
}

// Speaker notes (--notes) need no rendering at all: COURSE_MARP_NOTES=1 gives a bare Marpit,
// which collects the same notes as Marp Core at a third of the cost (no MathJax, no themes).
async function notesEngine(opts) {
  try {
    const require = createRequire(process.argv[1])
    const { Marpit } = require('@marp-team/marpit')
    return new Marpit(opts)
  } catch {
    return null
  }
}

export default async (opts) => {
  if (process.env.COURSE_MARP_NOTES === '1') {
    const bare = await notesEngine(opts)
    if (bare) return bare
  }
  const { marp } = opts
  const preamble = readMacros(process.env.COURSE_MARP_MACROS)
  mathMacros(marp.markdown, preamble)
  reportMathErrors(marp.markdown, preamble)
  return marp
}
