/**
 * oauth-dance/conformance: run a client through the provider scenarios and
 * judge it by rules over the recorded exchanges.
 *
 * @example
 * import { runScenarios, scenariosFor } from 'oauth-dance/conformance'
 * const result = await runScenarios({ provider: 'carina', client: myAdapter, scenarios: scenariosFor('carina') })
 * expect(result.checks.filter((c) => c.result === 'fail')).toEqual([])
 */
export { runScenarios, type RunOptions, type RunResult, type CheckReport, type ScenarioReport } from './runner.js'
export { scenariosFor, FLOWS, PROVIDER_SCENARIOS } from './scenarios/index.js'
export { defineScenario, expectRule } from './scenario.js'
export { PROFILES, type ProviderProfile } from './profiles/index.js'
export { commandClient, stopAllCommandClients, type CommandClientOptions } from './adapters/command.js'
export { runCheck, shardPlan, type CheckOptions, type Shard } from './check.js'
export { PROTOCOL_SCHEMA, parseClientMessage } from './protocol/protocol.js'
export { resolveClient } from './adapters/resolve.js'
export { formatConsoleReport, formatScenario, formatProviderSummary, formatTotal } from './report/console.js'
export { jsonLinesWriter, checkRecord, JsonLinesReport, runsFromJsonLines } from './report/jsonl.js'
export { formatJUnit, mergeJUnit } from './report/junit.js'
export { summarizeProvider, summarizeTotal, type ProviderSummary, type TotalSummary, type ReportedRun } from './report/summary.js'
export { specLink } from './spec-links.js'
export { HarnessError, HarnessErrorCode } from './errors.js'
export { clientAuthMethods, tokensInQuery, callsTo, inUrl, journalMatchers, type JournalMatchers } from './journal-assertions.js'
export * as rules from './rules/index.js'
export type * from './types.js'
