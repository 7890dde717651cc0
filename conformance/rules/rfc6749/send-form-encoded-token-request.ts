import { defineViolationRule } from '../harness/violation-rule.js'

/**
 * Token requests carry an `application/x-www-form-urlencoded` body (or JSON
 * where the provider documents it: Carina).
 *
 * @see [RFC 6749 Appendix B](https://www.rfc-editor.org/rfc/rfc6749.html#appendix-B), and [§4.1.3](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1.3): "using the "application/x-www-form-urlencoded" format per Appendix B"
 */
export const sendFormEncodedTokenRequest = defineViolationRule({
  id: 'send-form-encoded-token-request',
  title: 'The token request body has the media type the provider reads',
  requirements: ['RFC6749A-B', 'RFC6749-4.1.3'],
  claims: ['RFC6749A-B'],
  expected: 'Content-Type: application/x-www-form-urlencoded',
})
