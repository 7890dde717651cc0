import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { configJsonSchema, PROVIDER_OPTION_SCHEMAS, providerOptionsHelp } from './config/config-file.js'
import { DEFINITIONS, PROVIDER_DEFINITIONS, PROVIDERS, ROUTE_IDS } from './registry.js'
import { PROVIDER_IDS, PROVIDER_MANIFESTS } from './manifests.js'
import * as z from './store/zod.js'

const root = fileURLToPath(new URL('..', import.meta.url))

describe('the registry', () => {
  it("has one entry per provider definition, in the definitions' order", () => {
    const ids = PROVIDER_DEFINITIONS.map((definition) => definition.id)
    expect(Object.keys(PROVIDERS)).toEqual(ids)
    expect(Object.keys(DEFINITIONS)).toEqual(ids)
    expect(Object.keys(ROUTE_IDS)).toEqual(ids)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it("lists the manifests' providers, in their order, and each manifest loads its provider's definition, which carries the manifest's facts", async () => {
    expect(PROVIDER_DEFINITIONS.map((definition) => definition.id)).toEqual(PROVIDER_IDS)
    for (const manifest of PROVIDER_MANIFESTS) {
      const definition = await manifest.load()
      expect(definition).toBe(DEFINITIONS[manifest.id])
      const facts = ({ id, label, origins, basePath }: typeof manifest | typeof definition) => ({ id, label, origins, basePath })
      expect(facts(definition)).toEqual(facts(manifest))
    }
  })

  for (const definition of PROVIDER_DEFINITIONS) {
    it(`${definition.id}: serve's entry and route ids are the definition's`, () => {
      const entry = PROVIDERS[definition.id]
      expect(entry.origins).toEqual(Object.fromEntries(Object.entries(definition.origins).map(([key, { name, offset }]) => [key, { name, offset }])))
      for (const origin of Object.keys(definition.origins)) expect(entry.basePath(origin)).toBe(definition.basePath)
      expect(entry.tls?.()).toEqual(definition.tls?.())
      expect(ROUTE_IDS[definition.id]).toBe(definition.routeIds)
      const provider = entry.create({})
      expect(provider.id).toBe(definition.id)
      // Each origin's documented URL is the provider's default.
      expect(provider.origins).toEqual(Object.fromEntries(Object.entries(definition.origins).map(([key, { url }]) => [key, url])))
    })
  }

  it('finds the same files, for the same roles, in every provider folder', () => {
    const roles = ['index.ts', 'manifest.ts', 'config.ts', 'options.ts', 'accounts.ts', 'store.ts', 'conformance.ts', 'client.ts']
    for (const { id } of PROVIDER_DEFINITIONS) expect(readdirSync(join(root, 'mocks/providers', id)), id).toEqual(expect.arrayContaining(roles))
  })

  it('gives every listener its own port offset (DESIGN.md)', () => {
    const offsets = PROVIDER_DEFINITIONS.flatMap((definition) => Object.values(definition.origins).map((origin) => origin.offset))
    expect(new Set(offsets).size).toBe(offsets.length)
  })
})

describe('describe()', () => {
  for (const definition of PROVIDER_DEFINITIONS) {
    it(`${definition.id}: has the keys every provider has, the authorization endpoint for a code grant`, () => {
      const described = definition.create({}).describe()
      expect(described).toEqual(
        expect.objectContaining({
          baseUrl: expect.any(String),
          tokenEndpoint: expect.any(String),
          apiBaseUrl: expect.any(String),
          clients: expect.any(Array),
          users: expect.any(Array),
        }),
      )
      expect(typeof described.authorizationEndpoint).toBe(definition.conformance.grant === 'authorization_code' ? 'string' : 'undefined')
    })
  }
})

describe('provider options', () => {
  const json = configJsonSchema() as {
    properties: { providers: { properties: Record<string, { properties: { options: { properties: Record<string, { description?: string }> } } }> } }
  }
  const help = providerOptionsHelp()

  for (const definition of PROVIDER_DEFINITIONS) {
    it(`${definition.id}: every option of its schema is in the config JSON schema, --set, and serve --help, with its description`, () => {
      expect(PROVIDER_OPTION_SCHEMAS[definition.id]).toBe(definition.options)
      const listed = json.properties.providers.properties[definition.id].properties.options.properties
      expect(Object.keys(listed)).toEqual(Object.keys(definition.options.shape))
      for (const [key, option] of Object.entries(definition.options.shape)) {
        const description = z.globalRegistry.get(option)?.description
        expect(description, `${definition.id}.${key} has a one-line description`).toMatch(/\S/)
        expect(listed[key].description).toBe(description)
        expect(help).toContain(`${definition.id}.${key}: `)
        expect(help).toContain(description)
      }
    })
  }
})

/** Source files (tests aside) under a folder. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path)
    return /\.(ts|mjs)$/.test(name) && !/\.(test|spec)\.ts$/.test(name) ? [path] : []
  })
}

/** The code without its comments (examples in doc comments name providers, as docs do). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
}

describe('provider ids', () => {
  // Left out, as test data about providers rather than provider facts: the per-provider scenario folders
  // (conformance/scenarios/<id>/), the broken clients' expected detections (conformance/clients/broken-clients.ts),
  // and the Playwright fixtures' default provider option (playwright/).
  const testData = /^(mocks\/providers\/|conformance\/scenarios\/|conformance\/clients\/broken-clients\.ts$)/

  it('are spelled only in mocks/providers/ (bin/, scripts/, mocks/ and conformance/ derive them from the definitions)', () => {
    const ids = PROVIDER_DEFINITIONS.map((definition) => definition.id)
    const spelled = new RegExp(`['"\`](${ids.join('|')})\\b`)
    const files = ['bin', 'scripts', 'mocks', 'conformance']
      .flatMap((dir) => sourceFiles(join(root, dir)))
      .filter((path) => !testData.test(relative(root, path)))
    expect(files.length).toBeGreaterThan(50)
    const offenders = files.flatMap((path) =>
      withoutComments(readFileSync(path, 'utf8'))
        .split('\n')
        .filter((line) => spelled.test(line))
        .map((line) => `${relative(root, path)}: ${line.trim()}`),
    )
    expect(offenders).toEqual([])
  })
})
