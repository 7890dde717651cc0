/**
 * oauth-dance: mock OAuth providers as msw handlers, a standalone server, and
 * the pieces to build more.
 *
 * @example
 * import { setupServer } from 'msw/node'
 * import { createCarina } from 'oauth-dance'
 *
 * const carina = createCarina()
 * const server = setupServer(...carina.handlers)
 * server.listen()
 */
import './msw.js'
export { createCarina, CARINA_BASE_URL, CARINA_SCOPES, type CarinaOptions, type CarinaRuntime, type CarinaRouteId, type CarinaDescription, CARINA_ROUTE_IDS } from './providers/carina/index.js'
export { createKeystone, KEYSTONE_BASE_URL, type KeystoneOptions, type KeystoneRuntime, type KeystoneRouteId, type KeystoneDescription, KEYSTONE_ROUTE_IDS } from './providers/keystone/index.js'
export { CLIENT_CERT_HEADER, encodeClientCert } from './core/client-cert.js'
export { createCloud66, CLOUD66_BASE_URL, CLOUD66_SCOPES, type Cloud66Options, type Cloud66Runtime, type Cloud66RouteId, type Cloud66Description, CLOUD66_ROUTE_IDS } from './providers/cloud66/index.js'
export { createCogo, COGO_AUTH_BASE_URL, COGO_API_BASE_URL, COGO_AUDIENCE, mintCogoToken, mintBrokenCogoToken, rotateCogoSigningKey, retireCogoKey, BROKEN_COGO_TOKEN_KINDS, type CogoOptions, type CogoRuntime, type CogoRouteId, type CogoDescription, COGO_ROUTE_IDS, type BrokenCogoTokenKind } from './providers/cogo/index.js'
export { createGocd, GOCD_BASE_URL, GOCD_HOST_ALIASES, type GocdOptions, type GocdRuntime, type GocdRouteId, type GocdDescription, GOCD_ROUTE_IDS } from './providers/gocd/index.js'
export { createStandard, rotateStandardSigningKey, STANDARD_BASE_URL, STANDARD_FIXTURES, STANDARD_SCOPES, STANDARD_RESOURCE_PATH, BROKEN_ID_TOKEN_KINDS, type BrokenIdTokenKind, type StandardOptions, type StandardRuntime, type StandardRouteId, type StandardDescription, STANDARD_ROUTE_IDS, type SigningAlg } from './providers/standard/index.js'
export { ProviderRuntime, CONTROL_PREFIX, type ProviderOptions, type ProviderDescription, type DescribedClient, type DescribedUser } from './core/provider.js'
export { Clock } from './core/clock.js'
export { Journal, type Exchange, type ExchangeNotes } from './core/journal.js'
export { FaultRegistry, type Fault, type FaultSpec, type FaultAction, type FaultTimes } from './core/faults.js'
export * from './core/errors.js'
export { serve, type ServeOptions, type RunningServer } from './server.js'
export { PROVIDERS, ROUTE_IDS, type ProviderId } from './registry.js'
export { OptionsError, ProviderOptionsControl } from './core/options.js'
export { AccountsControl, AccountError, type AuthorizeShortcutInput, type AuthorizeShortcutResult } from './control/control-api.js'
export { configFileSchema, configJsonSchema, loadConfig, parseConfig, applySets, DEFAULT_CONFIG_FILE, type ConfigFile, type ConfigFileInput } from './config/config-file.js'
export { carinaOptionsSchema } from './providers/carina/options.js'
export { keystoneOptionsSchema } from './providers/keystone/options.js'
export { cloud66OptionsSchema } from './providers/cloud66/options.js'
export { cogoOptionsSchema } from './providers/cogo/options.js'
export { gocdOptionsSchema } from './providers/gocd/options.js'
