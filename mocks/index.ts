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
import type { ProviderRuntime } from './core/provider.js'
import { withMswHandlers, type WithMswHandlers } from './msw.js'
import { createCarina as createCarinaRuntime, type CarinaRuntime as CarinaProviderRuntime } from './providers/carina/index.js'
import { createKeystone as createKeystoneRuntime, type KeystoneRuntime as KeystoneProviderRuntime } from './providers/keystone/index.js'
import { createCloud66 as createCloud66Runtime, type Cloud66Runtime as Cloud66ProviderRuntime } from './providers/cloud66/index.js'
import { createCogo as createCogoRuntime, type CogoRuntime as CogoProviderRuntime } from './providers/cogo/index.js'
import { createGocd as createGocdRuntime, type GocdRuntime as GocdProviderRuntime } from './providers/gocd/index.js'
import { createStandard as createStandardRuntime, type StandardRuntime as StandardProviderRuntime } from './providers/standard/index.js'

/** The provider factory `create`, its providers carrying their msw `handlers`. */
function withHandlers<Options, R extends ProviderRuntime>(create: (options?: Options) => R): (options?: Options) => WithMswHandlers<R> {
  return (options) => withMswHandlers(create(options))
}

/** A Carina provider (options: `createCarina` in `mocks/providers/carina/`), with its msw `handlers`. */
export const createCarina = withHandlers(createCarinaRuntime)
export type CarinaRuntime = WithMswHandlers<CarinaProviderRuntime>
/** A Keystone provider (options: `createKeystone` in `mocks/providers/keystone/`), with its msw `handlers`. */
export const createKeystone = withHandlers(createKeystoneRuntime)
export type KeystoneRuntime = WithMswHandlers<KeystoneProviderRuntime>
/** A Cloud 66 provider (options: `createCloud66` in `mocks/providers/cloud66/`), with its msw `handlers`. */
export const createCloud66 = withHandlers(createCloud66Runtime)
export type Cloud66Runtime = WithMswHandlers<Cloud66ProviderRuntime>
/** A Cogo provider (options: `createCogo` in `mocks/providers/cogo/`), with its msw `handlers`. */
export const createCogo = withHandlers(createCogoRuntime)
export type CogoRuntime = WithMswHandlers<CogoProviderRuntime>
/** A GoCD provider (options: `createGocd` in `mocks/providers/gocd/`), with its msw `handlers`. */
export const createGocd = withHandlers(createGocdRuntime)
export type GocdRuntime = WithMswHandlers<GocdProviderRuntime>
/** A Standard provider (options: `createStandard` in `mocks/providers/standard/`), with its msw `handlers`. */
export const createStandard = withHandlers(createStandardRuntime)
export type StandardRuntime = WithMswHandlers<StandardProviderRuntime>

export { mswHandlers, withMswHandlers, type WithMswHandlers } from './msw.js'
export { CARINA_BASE_URL, CARINA_SCOPES, type CarinaOptions, type CarinaRouteId, type CarinaDescription, CARINA_ROUTE_IDS } from './providers/carina/index.js'
export { KEYSTONE_BASE_URL, type KeystoneOptions, type KeystoneRouteId, type KeystoneDescription, KEYSTONE_ROUTE_IDS } from './providers/keystone/index.js'
export { CLIENT_CERT_HEADER, encodeClientCert } from './core/client-cert.js'
export {
  CLOUD66_BASE_URL,
  CLOUD66_SCOPES,
  type Cloud66Options,
  type Cloud66RouteId,
  type Cloud66Description,
  CLOUD66_ROUTE_IDS,
} from './providers/cloud66/index.js'
export {
  COGO_AUTH_BASE_URL,
  COGO_API_BASE_URL,
  COGO_AUDIENCE,
  mintCogoToken,
  mintBrokenCogoToken,
  rotateCogoSigningKey,
  retireCogoKey,
  BROKEN_COGO_TOKEN_KINDS,
  type CogoOptions,
  type CogoRouteId,
  type CogoDescription,
  COGO_ROUTE_IDS,
  type BrokenCogoTokenKind,
} from './providers/cogo/index.js'
export { GOCD_BASE_URL, GOCD_HOST_ALIASES, type GocdOptions, type GocdRouteId, type GocdDescription, GOCD_ROUTE_IDS } from './providers/gocd/index.js'
export {
  rotateStandardSigningKey,
  STANDARD_BASE_URL,
  STANDARD_FIXTURES,
  STANDARD_SCOPES,
  STANDARD_RESOURCE_PATH,
  BROKEN_ID_TOKEN_KINDS,
  type BrokenIdTokenKind,
  type StandardOptions,
  type StandardRouteId,
  type StandardDescription,
  STANDARD_ROUTE_IDS,
  type SigningAlg,
} from './providers/standard/index.js'
export { ProviderRuntime, CONTROL_PREFIX, type ProviderOptions, type ProviderDescription, type DescribedClient, type DescribedUser } from './core/provider.js'
export { Clock } from './core/clock.js'
export { Journal, type Exchange, type ExchangeNotes } from './core/journal.js'
export { FaultRegistry, type Fault, type FaultSpec, type FaultAction, type FaultTimes } from './core/faults.js'
export * from './core/errors.js'
export { serve, type ServeOptions, type RunningServer } from './server.js'
export { PROVIDERS, ROUTE_IDS, type ProviderId } from './registry.js'
export { OptionsError, ProviderOptionsControl } from './core/options.js'
export { AccountsControl, AccountError, type AuthorizeShortcutInput, type AuthorizeShortcutResult } from './control/control-api.js'
export {
  configFileSchema,
  configJsonSchema,
  loadConfig,
  parseConfig,
  applySets,
  DEFAULT_CONFIG_FILE,
  type ConfigFile,
  type ConfigFileInput,
} from './config/config-file.js'
export { carinaOptionsSchema } from './providers/carina/options.js'
export { keystoneOptionsSchema } from './providers/keystone/options.js'
export { cloud66OptionsSchema } from './providers/cloud66/options.js'
export { cogoOptionsSchema } from './providers/cogo/options.js'
export { gocdOptionsSchema } from './providers/gocd/options.js'
