import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { applySets, CONFIG_SCHEMA_PATH, configFileSchema, configJsonSchema, loadConfig, parseConfig } from './config-file.js'
import { serve } from '../server.js'
import { parseConfigNamed } from './config-schema.js'

describe('the published JSON Schema', () => {
  it('is the one generated from the zod schemas (run `npm run config-schema` after changing an option)', () => {
    const published = readFileSync(fileURLToPath(new URL(`../../${CONFIG_SCHEMA_PATH}`, import.meta.url)), 'utf8')
    expect(published).toBe(JSON.stringify(configJsonSchema(), null, 2) + '\n')
  })

  it('describes every option with its default', () => {
    const schema = configJsonSchema() as any
    const keystone = schema.properties.providers.properties.keystone.properties.options
    expect(keystone.additionalProperties).toBe(false)
    expect(keystone.properties.basicCredentials).toEqual({
      default: 'raw',
      description: 'HTTP Basic credentials: "raw" as Keystone reads them, "lenient" also percent-decoded (RFC 6749 §2.3.1)',
      type: 'string',
      enum: ['raw', 'lenient'],
    })
  })
})

describe('parseConfig', () => {
  it('lists every problem on its own line, naming the provider, the key and what is allowed', () => {
    expect(() => parseConfig({ portBase: 70000, providers: { cogo: { users: [] }, gocd: { options: { security: 'maybe' } } } }, 'x.json')).toThrow(
      [
        'Failed to start: the configuration is invalid (x.json):',
        '  portBase must be 0 (free ports) or a port between 1 and 65528 (got 70000)',
        '  cogo.users is not a known key (allowed: strictness, options, clients)',
        '  gocd.security must be one of "on", "off" (got "maybe")',
      ].join('\n'),
    )
  })

  it('fills in the defaults of what it accepts', () => {
    expect(parseConfig({ providers: { cloud66: { options: { tokenResponse: 'json' } } } }, 'x').providers?.cloud66?.options).toEqual({
      redirectMatching: 'host',
      scopeParsing: 'document',
      requiredParams: 'document',
      tokenResponse: 'json',
      tokenErrorStatus: 'doorkeeper',
      redeploySeconds: 120,
      revokeTokensOnCodeReplay: false,
    })
  })

  it('gives back an empty file as zod would, without validating it (no top-level key has a default)', () => {
    expect(parseConfig({}, 'x')).toEqual({})
    expect(configFileSchema.parse({})).toEqual({})
  })
})

describe("parseConfigNamed (serve's: only the named providers' sections)", () => {
  // Valid and invalid configurations: the same result, or the same message, as with every provider's sections.
  const configurations: unknown[] = [
    {},
    { portBase: 0, host: 'localhost', sharedClock: true },
    { providers: { cloud66: { options: { tokenResponse: 'json' } } } },
    { providers: { keystone: { strictness: 'lenient', clients: [{ name: 'ci', user: 'demo' }] }, cogo: { options: { audience: 'https://a.example' } } } },
    { portBase: 70000, providers: { cogo: { users: [] }, gocd: { options: { security: 'maybe' } } } },
    { providers: { okta: {}, keystone: { options: { nope: 1 } } } },
    { providers: 'keystone' },
    { providers: { standard: 5 } },
    { $schema: 1, extra: true },
    'not an object',
  ]
  for (const configuration of configurations)
    it(`treats ${JSON.stringify(configuration)} as parseConfig does`, async () => {
      let expected: unknown
      try {
        expected = { config: parseConfig(configuration, 'x.json') }
      } catch (error) {
        expected = { error: (error as Error).message }
      }
      const named = await parseConfigNamed(configuration, 'x.json').then(
        (config) => ({ config }),
        (error: Error) => ({ error: error.message }),
      )
      expect(named).toEqual(expected)
    })

  it('names every provider when a configuration names one that is not', async () => {
    await expect(parseConfigNamed({ providers: { okta: {} } }, 'x.json')).rejects.toThrow(
      'providers.okta is not a provider (allowed: carina, keystone, cloud66, cogo, gocd, standard)',
    )
  })
})

describe('applySets', () => {
  it('reads a value as JSON when it parses, else as a string, over what the file says', () => {
    expect(
      applySets({ providers: { gocd: { options: { security: 'off' } } } }, [
        'gocd.codeTtlSeconds=60',
        'gocd.security=on',
        'keystone.authnMethods=["client_secret_basic"]',
        'keystone.strictness=lenient',
        'cogo.issuer=https://cogo.eu.auth0.com/',
      ]),
    ).toEqual({
      providers: {
        gocd: { options: { security: 'on', codeTtlSeconds: 60 } },
        keystone: { options: { authnMethods: ['client_secret_basic'] }, strictness: 'lenient' },
        cogo: { options: { issuer: 'https://cogo.eu.auth0.com/' } },
      },
    })
  })

  it('refuses an assignment that is not <provider>.<option>=<value>, or names no provider', () => {
    expect(() => applySets({}, ['basicCredentials=lenient'])).toThrow(
      'Failed to start: --set "basicCredentials=lenient" is not <provider>.<option>=<value> (e.g. --set keystone.basicCredentials=lenient)',
    )
    expect(() => applySets({}, ['okta.x=1'])).toThrow(
      'Failed to start: --set "okta.x=1": okta is not a provider (allowed: carina, keystone, cloud66, cogo, gocd, standard)',
    )
  })
})

describe('loadConfig', () => {
  it('picks up oauth-dance.config.json from the working directory, and --config wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oauth-dance-load-'))
    try {
      expect(loadConfig({ cwd: dir })).toEqual({ config: {}, file: undefined, source: 'defaults' })
      writeFileSync(join(dir, 'oauth-dance.config.json'), '{"sharedClock": true}')
      writeFileSync(join(dir, 'other.json'), '{"portBase": 0}')
      expect(loadConfig({ cwd: dir, sets: ['gocd.security=off'] })).toMatchObject({
        config: { sharedClock: true },
        file: join(dir, 'oauth-dance.config.json'),
        source: 'oauth-dance.config.json and --set',
      })
      expect(loadConfig({ cwd: dir, configPath: 'other.json' }).config).toEqual({ portBase: 0 })
      expect(() => loadConfig({ cwd: dir, configPath: 'missing.json' })).toThrow(
        `Failed to start: cannot read the config file ${join(dir, 'missing.json')} (no such file)`,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('serve({ config })', () => {
  it('validates as the command line does, and starts nothing on an error', async () => {
    await expect(serve({ portBase: 0, log: null, config: { providers: { carina: { options: { clusterBuildSeconds: 0 } } } } })).rejects.toThrow(
      'Failed to start: the configuration is invalid (the config option):\n  carina.clusterBuildSeconds must be a positive integer (got 0)',
    )
  })

  it('gives each provider its section', async () => {
    const running = await serve({
      portBase: 0,
      log: null,
      providers: ['carina'],
      config: { providers: { carina: { strictness: 'lenient', options: { accessTokenTtlSeconds: 60 }, users: [{ username: 'ci', password: 'pw' }] } } },
    })
    try {
      const carina = running.providers.carina!
      expect([carina.strictness, carina.options.get().accessTokenTtlSeconds, carina.users.list()]).toEqual([
        'lenient',
        60,
        [
          { username: 'carolynvs', password: 'demo' },
          { username: 'ci', password: 'pw' },
        ],
      ])
    } finally {
      await running.close()
    }
  })
})
