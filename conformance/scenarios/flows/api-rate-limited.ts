import { baseRules, primaryCall, signIn, type Flow } from '../common.js'

/** The protected call is rate limited once. */
const apiRateLimited: Flow = (profile) => ({
  id: 'api-rate-limited',
  title: 'The API answers 429 with Retry-After: 20 once',
  summary:
    'RFC 6585 §4: 429 Too Many Requests, with Retry-After (RFC 9110 §10.2.3). The client waits 20 s of mock time before calling again, or reports; it does not fetch a new token for it (a 429 says nothing about the token: keep-token-after-api-error).',
  profile: profile.id,
  steps: [
    ...signIn(profile),
    { do: 'inject-fault', fault: { route: profile.primaryOperation.route, times: 'once', action: { type: 'retry-after', status: 429, seconds: 20 } } },
    primaryCall(profile, 'settles'),
  ],
  rules: baseRules(profile, ['RFC6585-4']),
})
export default apiRateLimited
