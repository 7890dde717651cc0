import { describe, expect, it } from 'vitest'
import { PROVIDER_DEFINITIONS } from '../../mocks/registry.js'
import { EXAMPLE_APP_PROVIDERS } from '../clients/example-app/providers.js'
import { PROVIDER_APIS } from '../clients/provider-apis.js'
import { knownRequirementPrefixes, specLink, SEEDS_BASE } from '../spec-links.js'
import { PROFILES } from './index.js'

describe('PROFILES', () => {
  it('has one profile per provider definition, in the same order', () => {
    expect(Object.keys(PROFILES)).toEqual(PROVIDER_DEFINITIONS.map((definition) => definition.id))
  })

  for (const definition of PROVIDER_DEFINITIONS) {
    it(`${definition.id}: is built from the definition's conformance data and tells the client what describe() gives`, () => {
      const profile = PROFILES[definition.id]
      const { facts, grant, refresh, accessTokenTtlSeconds, user, primaryOperation, requirements } = definition.conformance
      expect(profile).toMatchObject({
        id: definition.id,
        registryId: definition.id,
        grant,
        refresh,
        accessTokenTtlSeconds,
        user,
        primaryOperation,
        requirements,
      })
      expect(profile.facts).toEqual({ id: definition.id, ...facts })
      expect(profile.accessDeniedError).toBe(definition.conformance.accessDeniedError)
      const provider = profile.create({})
      expect(provider.id).toBe(definition.id)
      const described = provider.describe()
      const config = profile.clientConfig(provider)
      expect(config).toMatchObject({
        provider: definition.id,
        tokenEndpoint: described.tokenEndpoint,
        apiBaseUrl: described.apiBaseUrl,
        clientId: described.clients[0].id,
        clientSecret: described.clients[0].secret,
      })
      expect(config.authorizationEndpoint).toBe(described.authorizationEndpoint)
      expect(config.scope).toBe(definition.conformance.scope)
      // Every primary route and fact route is one of the provider's route ids.
      const routes = [
        primaryOperation.route,
        facts.routes.token,
        ...(facts.routes.authorize ? [facts.routes.authorize] : []),
        ...facts.routes.api,
        ...(facts.clientAuthRoutes ?? []),
      ]
      for (const route of routes) expect(definition.routeIds).toContain(route)
    })
  }

  it("links each provider document's requirement ids to its seed file, from the definitions", () => {
    for (const { conformance } of PROVIDER_DEFINITIONS) {
      const document = conformance.document
      if (!document) continue
      expect(knownRequirementPrefixes()).toContain(document.requirementPrefix)
      for (const id of Object.values(conformance.requirements))
        if (id?.startsWith(document.requirementPrefix)) expect(specLink(id)).toMatch(new RegExp(`^${SEEDS_BASE}${document.file}#`))
    }
  })

  it("gives the reference client and the example app each provider's own client profile", () => {
    for (const definition of PROVIDER_DEFINITIONS) {
      expect(PROVIDER_APIS[definition.id]).toBe(definition.client.api)
      expect(EXAMPLE_APP_PROVIDERS[definition.id]).toBe(definition.client.exampleApp)
    }
  })
})
