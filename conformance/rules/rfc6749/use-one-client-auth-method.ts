import { defineViolationRule } from '../harness/violation-rule.js'

/**
 * A token request authenticates the client one way only (use-provider-client-auth judges which way).
 *
 * @see [RFC 6749 §2.3](https://www.rfc-editor.org/rfc/rfc6749.html#section-2.3): "The client MUST NOT use more than one authentication method in each request."
 */
export const useOneClientAuthMethod = defineViolationRule({
  id: 'use-one-client-auth-method',
  title: 'The client authenticates with one method per request',
  requirements: ['RFC6749-2.3'],
  claims: ['RFC6749-2.3'],
  expected: 'one client authentication method',
})
