import { defineViolationRule } from '../harness/violation-rule.js'

/**
 * A protected call carries its access token in one place only (send-token-as-documented judges which place).
 *
 * @see [RFC 6750 §2](https://www.rfc-editor.org/rfc/rfc6750.html#section-2): "Clients MUST NOT use more than one method to transmit the token in each request."
 */
export const sendTokenOneWay = defineViolationRule({
  id: 'send-token-one-way',
  title: 'The access token is sent one way per request',
  requirements: ['RFC6750-2'],
  claims: ['RFC6750-2'],
  expected: 'the token in one place',
})
