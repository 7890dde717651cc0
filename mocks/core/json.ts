/**
 * How deep a JSON request body may nest. No provider's document has a body
 * past four levels; a deeper one (`[[[[...]]]]`, 10 KB for 5,000 levels) made
 * code that walks the parsed value recursively (`JSON.stringify` for an error
 * message, schema checks) overflow the stack, a 500 for every provider.
 */
export const MAX_JSON_DEPTH = 64

/**
 * `JSON.parse`, refusing (with a `SyntaxError`, as for any malformed body) a
 * text nested deeper than `maxDepth` arrays and objects, checked first in one
 * pass over the text.
 */
export function parseJsonBounded(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw new SyntaxError(`JSON nested deeper than ${maxDepth} levels`)
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return JSON.parse(text)
}
