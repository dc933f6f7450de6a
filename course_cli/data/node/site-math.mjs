// Typesets every formula of a course site build in one Node process: MathJax 3 (the
// mathjax-full package Marp also uses) turns TeX into SVG with assistive MathML, so pages
// carry their math and load no MathJax script.
//
// Usage: node site-math.mjs NODE_MODULES_DIR < request.json > reply.json
// request: {"macros": {name: body | [body, nargs]}, "pages": [[{"id", "tex", "display"}, ...], ...]}
// reply:   {"version", "glyphs": {id: path}, "math": {id: {"html", "glyphs": [id, ...]}
//                                                    | {"error": message}}}
// Formulas of one page are typeset in order after a reset of equation numbers and labels,
// as MathJax does in a browser page. Glyph paths are shared: a formula's SVG refers to them
// by id (MathJax's global font cache), and each page carries the ones it uses once.
import { createRequire } from 'node:module'
import { resolve } from 'node:path'

const require = createRequire(resolve(process.argv[2] || 'node_modules', 'noop.js'))
const { mathjax } = require('mathjax-full/js/mathjax.js')
const { TeX } = require('mathjax-full/js/input/tex.js')
const { SVG } = require('mathjax-full/js/output/svg.js')
const { liteAdaptor } = require('mathjax-full/js/adaptors/liteAdaptor.js')
const { RegisterHTMLHandler } = require('mathjax-full/js/handlers/html.js')
const { AssistiveMmlHandler } = require('mathjax-full/js/a11y/assistive-mml.js')
const { AllPackages } = require('mathjax-full/js/input/tex/AllPackages.js')
const { VERSION } = require('mathjax-full/js/components/version.js')

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = []
    process.stdin.on('data', (c) => chunks.push(c))
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    process.stdin.on('error', reject)
  })
}

const request = JSON.parse(await readStdin())
const adaptor = liteAdaptor()
AssistiveMmlHandler(RegisterHTMLHandler(adaptor))
const tex = new TeX({
  // Without noundefined/noerrors an unknown macro or a TeX error throws instead of being drawn
  // in red: the build fails at the formula.
  packages: AllPackages.filter((p) => p !== 'noundefined' && p !== 'noerrors'),
  macros: request.macros || {},
  tags: 'ams',
  formatError: (_jax, err) => {
    throw err
  },
})
const svg = new SVG({ fontCache: 'global' })
const html = mathjax.document('', { InputJax: tex, OutputJax: svg })

// What a static page needs of MathJax's markup: no data-* attributes the stylesheet does not
// use, no empty groups, SVG 2 href instead of xlink:href.
const KEEP_NODE = new Set(['mtable', 'merror', 'maction'])
const DROP = new Set(['data-c', 'data-mjx-texclass', 'data-mjx-auto-op', 'focusable', 'xmlns', 'xmlns:xlink'])

function trim(node) {
  if (!node || !node.children) return [node]
  const attrs = node.attributes || {}
  for (const name of Object.keys(attrs)) {
    if (DROP.has(name) || (name === 'data-mml-node' && !KEEP_NODE.has(attrs[name]))) delete attrs[name]
  }
  if ('xlink:href' in attrs) {
    attrs.href = attrs['xlink:href']
    delete attrs['xlink:href']
  }
  if (node.kind === 'svg' && attrs['aria-hidden'] === 'true') delete attrs.role
  node.children = node.children.flatMap(trim)
  for (const child of node.children) child.parent = node
  const names = Object.keys(attrs)
  if (node.kind === 'g' && names.length === 0) return node.children
  // <g transform="translate(x,y)"><use/></g> is <use x y/>
  const only = node.children.length === 1 ? node.children[0] : null
  const shift = /^translate\(([-\d.]+),\s*([-\d.]+)\)$/.exec(attrs.transform || '')
  if (node.kind === 'g' && names.length === 1 && shift && only && only.kind === 'use' &&
      Object.keys(only.attributes).length === 1) {
    only.attributes.x = shift[1]
    if (shift[2] !== '0') only.attributes.y = shift[2]
    only.parent = node.parent
    return [only]
  }
  return [node]
}

const USE = /href="#(MJX-[^"]+)"/g
const math = {}
const used = new Set()
for (const page of request.pages || []) {
  tex.reset()
  for (const { id, tex: source, display } of page) {
    const tags = tex.parseOptions.tags
    try {
      const node = html.convert(source, { display: !!display, em: 16, ex: 8, containerWidth: 80 * 16 })
      trim(node)
      const out = adaptor.outerHTML(node)
      const glyphs = [...new Set([...out.matchAll(USE)].map((m) => m[1]))]
      glyphs.forEach((g) => used.add(g))
      math[id] = { html: out, glyphs }
    } catch (err) {
      math[id] = { error: String(err && err.message ? err.message : err).replace(/\s+/g, ' ') }
      tags.reset(tags.allCounter)
    }
  }
}
const glyphs = {}
for (const [gid, path] of svg.fontCache.cache) if (used.has(gid)) glyphs[gid] = path
process.stdout.write(JSON.stringify({ version: VERSION, glyphs, math }))
