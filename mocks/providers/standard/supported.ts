// What the token endpoint supports, imported by the endpoints, registration and discovery alike; imports
// nothing from this folder so none of them depends on another for it.

/** The device authorization grant's `grant_type` (RFC 8628 §3.4). */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
export const STANDARD_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials', DEVICE_CODE_GRANT]
export const STANDARD_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const
export type StandardAuthMethod = (typeof STANDARD_AUTH_METHODS)[number]
