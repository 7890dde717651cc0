import type { ConformanceData, DescribedEndpoints, ProviderDefinition } from '../../mocks/core/define.js'
import type { ProviderDescription, ProviderOptions, ProviderRuntime } from '../../mocks/core/provider.js'
import type { ClientConfig, ProviderFacts } from '../types.js'

/**
 * What the harness knows of one provider: how to build it, what to tell the
 * client, how the user logs in, and the facts rules need. Built by
 * {@link profileOf} from the provider's definition (`mocks/providers/<id>/`).
 */
export interface ProviderProfile extends Omit<ConformanceData, 'facts' | 'document' | 'scope' | 'checksIssuer'> {
  id: string
  /** Builds the mock (in-process) for the given options. */
  create(options: ProviderOptions): ProviderRuntime
  /** Registry id for `serve` (sockets transport). */
  registryId: string
  /** The client configuration for a running provider (its base URLs and seeded client). */
  clientConfig(provider: ProviderRuntime): Omit<ClientConfig, 'requestTimeoutMs' | 'grant'>
  facts: ProviderFacts
}

/**
 * A provider's profile from its definition: the client is told the endpoints
 * `describe()` gives and the first seeded client.
 */
export function profileOf(definition: ProviderDefinition): ProviderProfile {
  const { facts, document: _document, scope, checksIssuer, ...data } = definition.conformance
  return {
    ...data,
    id: definition.id,
    registryId: definition.id,
    create: (options) => definition.create(options),
    clientConfig(provider) {
      const described = provider.describe() as ProviderDescription & DescribedEndpoints
      const client = described.clients[0]
      const redirectUri = client.redirectUris[0]
      return {
        provider: definition.id,
        ...(described.authorizationEndpoint !== undefined ? { authorizationEndpoint: described.authorizationEndpoint } : {}),
        tokenEndpoint: described.tokenEndpoint,
        apiBaseUrl: described.apiBaseUrl,
        clientId: client.id,
        clientSecret: client.secret,
        ...(redirectUri !== undefined ? { redirectUri } : {}),
        ...(scope !== undefined ? { scope } : {}),
        ...(checksIssuer ? { issuer: described.baseUrl } : {}),
      }
    },
    facts: { id: definition.id, ...facts },
  }
}
