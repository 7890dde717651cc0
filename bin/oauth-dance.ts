#!/usr/bin/env node
import { useCompileCache } from './compile-cache.js'

// Before the bundle's other chunks load, so that each compiles from V8's cache.
useCompileCache(import.meta.url)
void import('./start.js').then(({ start }) => start(process.argv))
