// Which part of oauth-dance may import which (README, "Project layout"), checked by `npm run deps` in CI.
//
// Top-level folders form one direction, so no two of them import each other:
//   fixtures  <-  mocks  <-  conformance  <-  playwright, bin
// (seed data imports nothing; test/, scripts/ and bench/ may import anything, and nothing imports them).
// Inside mocks/: store <- core <- control <- providers <- registry <- server, msw (one transport never needs the other).
//
// Test files (*.test.ts, *.spec.ts) and test/ may reach across layers to drive what they test, so the layer
// rules cover production code only; the rule that a mock never imports the conformance harness covers tests too.
const TEST_FILE = '(^test/|\\.(test|spec)\\.ts$)'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // ---- the core: it answers a request, and knows neither the providers nor how a request arrived
    {
      name: 'core-imports-no-provider',
      comment: 'mocks/core/ is shared by every provider; what differs per provider lives in mocks/providers/<id>/.',
      severity: 'error',
      from: { path: '^mocks/core/', pathNot: TEST_FILE },
      to: { path: '^mocks/(providers/|registry\\.ts$)' },
    },
    {
      name: 'core-imports-no-transport',
      comment:
        'mocks/core/ knows no transport: msw handlers are built in mocks/msw.ts, sockets in mocks/server.ts; ' +
        'the core sees a web-standard Request (type-only imports count too).',
      severity: 'error',
      from: { path: '^mocks/core/', pathNot: TEST_FILE },
      to: {
        path: [
          '^mocks/(msw|server)\\.ts$',
          '(^|/)node_modules/(msw|@msw/playwright|@mswjs/interceptors)/',
          '^(node:)?(http|https|http2|tls|dgram)$',
          '^msw(/|$)',
        ],
      },
    },
    {
      name: 'core-imports-only-store',
      comment: 'The core sits on the store alone; the control API, config, registry and adapters are built on top of it.',
      severity: 'error',
      from: { path: '^mocks/core/', pathNot: TEST_FILE },
      to: { path: '^mocks/', pathNot: '^mocks/(core|store)/' },
    },
    {
      name: 'store-imports-nothing-above',
      comment: 'The store holds records; it knows no OAuth.',
      severity: 'error',
      from: { path: '^mocks/store/', pathNot: TEST_FILE },
      to: { path: '^mocks/', pathNot: '^mocks/store/' },
    },
    {
      name: 'control-imports-no-provider',
      comment: 'mocks/control/ holds what every provider offers its control paths; providers build on it, not the reverse.',
      severity: 'error',
      from: { path: '^mocks/control/', pathNot: TEST_FILE },
      to: { path: '^mocks/(providers/|registry\\.ts$|server\\.ts$|msw\\.ts$|index\\.ts$|config/)' },
    },
    // ---- providers: each one stands alone over the core
    {
      name: 'provider-imports-no-other-provider',
      comment: 'A provider is defined in its own folder; shared behaviour goes to mocks/core/ (or a file at the root of mocks/providers/).',
      severity: 'error',
      from: { path: '^mocks/providers/([^/]+)/', pathNot: TEST_FILE },
      to: { path: '^mocks/providers/[^/]+/', pathNot: '^mocks/providers/$1/' },
    },
    {
      name: 'provider-imports-no-registry-or-transport',
      comment: 'The registry lists the providers and the adapters serve them: both sit above the providers.',
      severity: 'error',
      from: { path: '^mocks/providers/', pathNot: TEST_FILE },
      to: { path: ['^mocks/(registry|server|msw|index)\\.ts$', '^mocks/config/', '^(node:)?(http|https|http2)$'] },
    },
    {
      name: 'registry-imports-no-transport',
      comment: "The registry describes the providers; serving them is the adapters' job.",
      severity: 'error',
      from: { path: '^mocks/registry\\.ts$', pathNot: TEST_FILE },
      to: { path: '^mocks/(server|msw|index)\\.ts$' },
    },
    {
      name: 'server-loads-no-msw',
      comment: '`oauth-dance serve` answers from the route tables directly and never needs msw (README: msw is an optional peer for serve).',
      severity: 'error',
      from: { path: ['^mocks/server\\.ts$', '^mocks/control/', '^mocks/config/'] },
      to: { path: ['^mocks/msw\\.ts$', '(^|/)node_modules/msw/', '^msw(/|$)'] },
    },
    // ---- top-level folders: one direction, so no folder cycle
    {
      name: 'fixtures-import-nothing',
      comment: 'fixtures/ is seed data taken from the documents; everything may read it, so it imports no other folder.',
      severity: 'error',
      from: { path: '^fixtures/' },
      to: { path: '^(mocks|conformance|playwright|bin|scripts|bench|test)/' },
    },
    {
      name: 'mocks-import-no-harness',
      comment: 'A mock never imports the conformance harness (nor what is built on it), tests included: the providers must run without it.',
      severity: 'error',
      from: { path: '^mocks/' },
      to: { path: '^(conformance|playwright|bin|scripts|bench)/' },
    },
    {
      name: 'conformance-imports-no-entry-point',
      comment: 'The harness is used by the CLI (bin/) and the Playwright fixtures (playwright/), never the reverse.',
      severity: 'error',
      from: { path: '^conformance/' },
      to: { path: '^(playwright|bin|scripts|bench)/' },
    },
    {
      name: 'playwright-imports-no-cli',
      comment: 'The Playwright fixtures and the CLI are two entry points over the same layers.',
      severity: 'error',
      from: { path: '^playwright/' },
      to: { path: '^(bin|scripts|bench)/' },
    },
    {
      name: 'production-imports-no-test-code',
      comment: 'What the package ships must not need test helpers (test/ is not published).',
      severity: 'error',
      from: { path: '^(mocks|conformance|fixtures|playwright|bin)/', pathNot: TEST_FILE },
      to: { path: TEST_FILE },
    },
    // ---- hygiene
    {
      name: 'no-circular',
      comment: 'Modules that import each other at run time cannot be read, tested or loaded one at a time.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-circular-types',
      comment:
        'A cycle through `import type` only: erased when compiled, so it changes no load order. The ones left are types that ' +
        'describe each other by design (ProviderRuntime hands resolvers a RouteContext that names it; the helpers a ' +
        'runtime calls take the runtime); breaking them needs a runtime interface of its own. A warning, to keep new ones visible.',
      severity: 'warn',
      from: {},
      to: { circular: true, via: { dependencyTypes: ['type-only'] } },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing fails at run time.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      comment: 'A package the code imports must be declared in package.json, or a fresh install lacks it.',
      severity: 'error',
      from: {},
      // (a package both declared and found in a nested package.json is also typed npm-no-pkg: only undeclared ones count)
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'], dependencyTypesNot: ['npm', 'npm-dev', 'npm-peer', 'npm-optional'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|test-results|playwright-report)/' },
    // Type-only imports count: a type from msw in the core still ties the core to msw.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
}
