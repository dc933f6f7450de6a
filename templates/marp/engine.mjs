// Marp engine of the course: the built-in Marp Core with the course math macros.
//
// Marp Core renders math with MathJax on the server and offers no option for TeX macros, so
// this engine prepends the definitions read from the macros file (COURSE_MARP_MACROS, one
// \newcommand / \DeclareMathOperator a line) to every math expression of the deck.
import { readFileSync } from 'node:fs'

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
  const prepend = (token) => {
    if (token.type === 'marp_math_inline' || token.type === 'marp_math_block') {
      token.content = preamble + token.content
    }
  }
  md.core.ruler.after('inline', 'course_math_macros', (state) => {
    for (const token of state.tokens) {
      prepend(token)
      for (const child of token.children ?? []) prepend(child)
    }
  })
}

export default ({ marp }) => {
  mathMacros(marp.markdown, readMacros(process.env.COURSE_MARP_MACROS))
  return marp
}
