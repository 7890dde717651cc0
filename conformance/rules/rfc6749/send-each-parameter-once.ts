import { defineViolationRule } from '../harness/violation-rule.js'

/**
 * No request parameter is sent twice.
 *
 * @see [RFC 6749 §3.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-3.1) and [§3.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-3.2): "Request and response parameters MUST NOT be included more than once."
 */
export const sendEachParameterOnce = defineViolationRule({
  id: 'send-each-parameter-once',
  title: 'No request parameter is included more than once',
  requirements: ['RFC6749-3.1', 'RFC6749-3.2'],
  claims: ['RFC6749-3.1', 'RFC6749-3.2'],
  expected: 'each parameter once',
})
