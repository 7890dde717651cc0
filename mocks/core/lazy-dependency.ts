import { createRequire } from 'node:module'

const requireFromHere = createRequire(import.meta.url)

/**
 * Loads a dependency only some requests use (the XML builder, the zip writer)
 * synchronously, through its CommonJS build (one file, where its ES build is
 * dozens of modules). Called on first use, so `serve` does not load it to start.
 */
export function requireDependency<T>(name: string): T {
  return requireFromHere(name) as T
}

/** `make()`'s value, made on the first call and kept. */
export function lazy<T>(make: () => T): () => T {
  let value: T | undefined
  return () => (value ??= make())
}
