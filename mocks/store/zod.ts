/**
 * zod as oauth-dance uses it: the tree-shakable `zod/mini` API rather than the
 * classic one (a fraction of the code for `serve` to load and compile, and
 * schemas that are cheaper to build), with the English messages the classic
 * API sets up on import and `zod/mini` leaves out. Every module that defines
 * a schema imports zod from here; it sits in the store, the lowest layer, so
 * that every layer may.
 */
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'

z.config(en())

export * from 'zod/mini'
