import { defineScenario, expectRule } from '../../scenario.js'
import { respectPollingInterval } from '../../rules/index.js'
import { PROFILES } from '../../profiles/index.js'
import { baseRules } from '../common.js'

const carinaProfile = PROFILES.carina

const stillBuilding = (body: string, status: number) => status === 404 && body.includes('not yet active')

/**
 * Carina answers 404 for a cluster's credentials while it builds (2-3
 * minutes; the mock: 150 s of mock clock). The client polls "at a reasonable
 * interval, such as every 30 seconds".
 */
export default defineScenario({
  id: 'cluster-polling',
  title: 'A new cluster is polled every 30 s until its credentials are ready',
  summary:
    'carina-oauth.txt, Cluster credentials scope: "If the cluster is not yet active, a 404 NOT FOUND response is returned. After a new cluster is created, it can take 2-3 minutes for the cluster to become active. Poll the cluster credentials endpoint at a reasonable interval, such as every 30 seconds, until the cluster is active." The client sleeps on the mock clock; the runner measures the gaps.',
  profile: 'carina',
  steps: [
    { do: 'authorize', user: 'approve', expect: 'ok' },
    { do: 'call', operation: 'create-cluster', args: { name: 'mycluster' }, expect: 'ok', requirements: ['CARINA-create-cluster'] },
    { do: 'call', operation: 'cluster-credentials', args: { name: 'mycluster' }, expect: 'ok', requirements: ['CARINA-cluster-credentials'] },
  ],
  rules: [
    ...baseRules(carinaProfile, ['CARINA-cluster-credentials']),
    // @note the document's "such as every 30 seconds" is advice: faster is a warning, a storm (under 10 s) a failure.
    expectRule(
      respectPollingInterval({ route: 'carina.cluster-credentials', notReady: stillBuilding, minSeconds: 30, requirement: 'CARINA-cluster-credentials' }),
      'warning',
    ),
    expectRule(
      respectPollingInterval({ route: 'carina.cluster-credentials', notReady: stillBuilding, minSeconds: 10, requirement: 'CARINA-cluster-credentials' }),
      'failure',
    ),
  ],
})
