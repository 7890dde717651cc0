import { PROVIDER_DEFINITIONS } from '../mocks/registry.js'

/**
 * The one table that turns requirement ids into links, as the OpenID
 * Foundation suite's `LogEntryHelper.specLinks` does: a prefix, then the rest
 * of the id appended to that prefix's URL. Rules and scenarios only ever name
 * ids (`RFC6749-4.1.2`, `CARINA-api`); no URL is written anywhere else.
 *
 * Provider prefixes (`CARINA-`...) cite the provider documents in
 * `../shared/seeds/` (DESIGN.md: "the document is the spec"), by section; each
 * provider's definition names its prefix, document and sections.
 */
const SPEC_PREFIXES: ReadonlyArray<readonly [prefix: string, url: string]> = [
  ['RFC6749A-', 'https://www.rfc-editor.org/rfc/rfc6749.html#appendix-'],
  ['RFC6749-', 'https://www.rfc-editor.org/rfc/rfc6749.html#section-'],
  ['RFC6750-', 'https://www.rfc-editor.org/rfc/rfc6750.html#section-'],
  ['RFC6585-', 'https://www.rfc-editor.org/rfc/rfc6585.html#section-'],
  ['RFC6819-', 'https://www.rfc-editor.org/rfc/rfc6819.html#section-'],
  ['RFC7009-', 'https://www.rfc-editor.org/rfc/rfc7009.html#section-'],
  ['RFC7515-', 'https://www.rfc-editor.org/rfc/rfc7515.html#section-'],
  ['RFC7517-', 'https://www.rfc-editor.org/rfc/rfc7517.html#section-'],
  ['RFC7519-', 'https://www.rfc-editor.org/rfc/rfc7519.html#section-'],
  ['RFC7636-', 'https://www.rfc-editor.org/rfc/rfc7636.html#section-'],
  ['RFC8252-', 'https://www.rfc-editor.org/rfc/rfc8252.html#section-'],
  ['RFC8725-', 'https://www.rfc-editor.org/rfc/rfc8725.html#section-'],
  ['RFC9110-', 'https://www.rfc-editor.org/rfc/rfc9110.html#section-'],
  ['RFC9700-', 'https://www.rfc-editor.org/rfc/rfc9700.html#section-'],
  ['RFC7523-', 'https://www.rfc-editor.org/rfc/rfc7523.html#section-'],
  ['RFC7591-', 'https://www.rfc-editor.org/rfc/rfc7591.html#section-'],
  ['RFC7662-', 'https://www.rfc-editor.org/rfc/rfc7662.html#section-'],
  ['RFC8414-', 'https://www.rfc-editor.org/rfc/rfc8414.html#section-'],
  ['RFC8628-', 'https://www.rfc-editor.org/rfc/rfc8628.html#section-'],
  ['RFC8707-', 'https://www.rfc-editor.org/rfc/rfc8707.html#section-'],
  ['RFC9207-', 'https://www.rfc-editor.org/rfc/rfc9207.html#section-'],
  ['RFC9728-', 'https://www.rfc-editor.org/rfc/rfc9728.html#section-'],
  ['OIDCC-', 'https://openid.net/specs/openid-connect-core-1_0.html#rfc.section.'],
]

/** Provider documents, from each provider's definition: prefix → seed file and the section each id names. */
const PROVIDER_DOCUMENTS: Record<string, { document: string; sections: Record<string, string> }> = Object.fromEntries(
  PROVIDER_DEFINITIONS.flatMap(({ conformance: { document } }) =>
    document ? [[document.requirementPrefix, { document: document.file, sections: document.sections }]] : [],
  ),
)

/** Where the provider documents live, relative to the repository (DESIGN.md). */
export const SEEDS_BASE = '../shared/seeds/'

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')

/**
 * A link for a requirement id, or undefined for an unknown prefix.
 *
 * @example
 * specLink('RFC6749-4.1.2') // 'https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1.2'
 * specLink('CARINA-api')    // '../shared/seeds/carina-oauth.txt#interact-with-carina'
 */
export function specLink(requirement: string): string | undefined {
  for (const [prefix, url] of SPEC_PREFIXES) {
    if (requirement.startsWith(prefix)) return url + requirement.slice(prefix.length).replace(/-.*$/, '')
  }
  for (const [prefix, { document, sections }] of Object.entries(PROVIDER_DOCUMENTS)) {
    if (!requirement.startsWith(prefix)) continue
    const section = sections[requirement.slice(prefix.length)]
    return SEEDS_BASE + document + (section ? `#${slug(section)}` : '')
  }
  return undefined
}

/** Every prefix the table knows, for the check that no rule cites an unlinked id. */
export function knownRequirementPrefixes(): string[] {
  return [...SPEC_PREFIXES.map(([p]) => p), ...Object.keys(PROVIDER_DOCUMENTS)]
}
