import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BUNDLED_CLI, buildIsCurrent, keystoneTokenStatus, ROOT, type ServedKeystone } from '../test/support/cli.js'

// The compile cache serves the bundle only (the sources have no CommonJS chunks), so these run the built bin.
const SLOW = { timeout: 120_000 }
const MAGIC = 'oauth-dance compile cache 1\n'

/** Runs the bundled bin with `TMPDIR` (os.tmpdir()) set to `tmp`, until it exits; `serve` is stopped with SIGTERM after `whenServing`. */
function runBin(
  args: string[],
  tmp: string,
  options: { env?: Record<string, string>; nodeOptions?: string[]; whenServing?: (info: ServedKeystone) => Promise<void> } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeOptions ?? []), BUNDLED_CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: tmp, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let served = false
    const deadline = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`oauth-dance ${args.join(' ')} did not finish: ${stderr}`))
    }, SLOW.timeout - 10_000)
    child.stdout.on('data', (data) => {
      stdout += data
      if (options.whenServing && !served && stdout.includes('\n')) {
        served = true
        options.whenServing(JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as ServedKeystone).then(
          () => child.kill('SIGTERM'),
          (error) => (child.kill('SIGKILL'), reject(error)),
        )
      }
    })
    child.stderr.on('data', (data) => (stderr += data))
    child.on('close', (code) => {
      clearTimeout(deadline)
      resolve({ code, stdout, stderr })
    })
  })
}

const keystoneToken = async (info: ServedKeystone) => expect(await keystoneTokenStatus(info)).toBe(200)

/** The chunk names a cache file holds, in its order (the file's layout: bin/compile-cache.ts). */
function cachedChunks(file: string): string[] {
  const bytes = readFileSync(file)
  expect(bytes.subarray(0, MAGIC.length).toString('latin1')).toBe(MAGIC)
  const names: string[] = []
  for (let at = MAGIC.length; at < bytes.length;) {
    const nameLength = bytes.readUInt32LE(at)
    const dataLength = bytes.readUInt32LE(at + 4)
    names.push(bytes.toString('latin1', at + 8, at + 8 + nameLength))
    at += 8 + nameLength + dataLength
  }
  return names
}

/** The file name of the bundle's chunk `name` (rollup's: the name, then 8 characters of its content's hash). */
const bundleChunk = (name: string) => readdirSync(join(ROOT, 'dist/bundle')).find((file) => new RegExp(`^${name}-[\\w-]{8}\\.cjs$`).test(file))!

describe.skipIf(!buildIsCurrent())("the bin's compile cache", () => {
  let tmp: string
  let folder: string
  const cacheFiles = () => (existsSync(folder) ? readdirSync(folder) : [])
  const cacheFile = () => {
    expect(cacheFiles()).toHaveLength(1)
    return join(folder, cacheFiles()[0]!)
  }
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'oauth-dance-cc-test-'))
    folder = join(tmp, `oauth-dance-compile-cache-${process.getuid!()}`)
  })
  afterEach(() => rmSync(tmp, { recursive: true, force: true }))

  it('is written by the first run, for the chunks it compiled, read by the next without a write, and grows with what a run adds', SLOW, async () => {
    const serve = ['serve', '--port-base', '0', '--json', '--quiet']
    const stopAtOnce = () => Promise.resolve()
    expect(await runBin(serve, tmp, { whenServing: stopAtOnce })).toMatchObject({ code: 0, stderr: '' })
    // The user's alone: the folder closed to others, the file readable by its owner only.
    expect(statSync(folder).mode & 0o777).toBe(0o700)
    const file = cacheFile()
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(cachedChunks(file).sort()).toEqual(
      [bundleChunk('commander'), bundleChunk('core'), bundleChunk('main'), bundleChunk('start'), bundleChunk('zod')].sort(),
    )
    const written = statSync(file)
    const firstChunks = cachedChunks(file)

    // Every chunk compiled from the cache: nothing written.
    expect(await runBin(serve, tmp, { whenServing: stopAtOnce })).toMatchObject({ code: 0, stderr: '' })
    expect(statSync(file)).toMatchObject({ ino: written.ino, mtimeMs: written.mtimeMs })

    // Keystone's chunk had no cache: written again, with it and with what the first run left.
    expect(await runBin(serve, tmp, { whenServing: keystoneToken })).toMatchObject({ code: 0, stderr: '' })
    expect(statSync(file).ino).not.toBe(written.ino)
    expect(cachedChunks(file).sort()).toEqual([...firstChunks, bundleChunk('provider-keystone')].sort())
  })

  it("serves the chunks that import from node_modules (tsx, for a TypeScript client's module) from the cache", SLOW, async () => {
    const args = [
      'check',
      '--provider',
      'keystone',
      '--client',
      'module:./conformance/clients/reference-client.ts#referenceClient',
      '--transport',
      'in-process',
    ]
    const cold = await runBin(args, tmp)
    expect(cold).toMatchObject({ code: 0, stderr: '' })
    expect(cold.stdout).toMatch(/^total: 1 provider, 12 scenarios, .*\nRESULT: PASS\n$/m)
    // resolve imports the client's module (through tsx), cli msw: each through import-module.cjs, which Node compiles.
    expect(cachedChunks(cacheFile())).toEqual(expect.arrayContaining([bundleChunk('cli'), bundleChunk('resolve'), bundleChunk('core')]))
    const written = statSync(cacheFile())
    const warm = await runBin(args, tmp)
    const untimed = (stdout: string) => stdout.replaceAll(/\d+\.\d+ s\)/g, 's)')
    expect(untimed(warm.stdout)).toBe(untimed(cold.stdout))
    expect(warm).toMatchObject({ code: 0, stderr: '' })
    expect(statSync(cacheFile()).ino).toBe(written.ino)
  })

  it('replaces a cache V8 refuses or cannot read, and the run is unchanged', SLOW, async () => {
    const expected = await runBin(['--version'], tmp, { env: { NODE_DISABLE_COMPILE_CACHE: '1' } })
    mkdirSync(folder, { mode: 0o700 })
    const name = Buffer.from(bundleChunk('main'), 'latin1')
    const junk = Buffer.alloc(512, 7)
    const head = Buffer.alloc(8)
    head.writeUInt32LE(name.length, 0)
    head.writeUInt32LE(junk.length, 4)
    // And the cache of a chunk a rebuild replaced, which a write drops.
    const gone = Buffer.from('main-Gone1234.cjs', 'latin1')
    const goneHead = Buffer.alloc(8)
    goneHead.writeUInt32LE(gone.length, 0)
    goneHead.writeUInt32LE(junk.length, 4)
    const refused = Buffer.concat([Buffer.from(MAGIC, 'latin1'), head, name, junk, goneHead, gone, junk])
    expect(await runBin(['--version'], tmp)).toEqual(expected)
    const file = cacheFile()
    writeFileSync(file, refused)
    expect(await runBin(['--version'], tmp)).toEqual(expected)
    expect(readFileSync(file).includes(junk)).toBe(false)
    expect(cachedChunks(file)).toContain(bundleChunk('main'))
    expect(cachedChunks(file)).not.toContain('main-Gone1234.cjs')

    writeFileSync(file, Buffer.concat([Buffer.from(MAGIC, 'latin1'), head, name]))
    expect(await runBin(['--version'], tmp)).toEqual(expected)
    expect(cachedChunks(file)).toContain(bundleChunk('main'))

    writeFileSync(file, 'not a cache')
    expect(await runBin(['--version'], tmp)).toEqual(expected)
    expect(cachedChunks(file)).toContain(bundleChunk('main'))
  })

  it('keeps a file for each set of Node options, which V8 would refuse the cache of another for', SLOW, async () => {
    const version = ['--version']
    expect(await runBin(version, tmp)).toMatchObject({ code: 0, stderr: '' })
    const plain = cacheFile()
    const written = statSync(plain)
    const flagged = { nodeOptions: ['--max-semi-space-size=8'] }
    expect(await runBin(version, tmp, flagged)).toMatchObject({ code: 0, stderr: '' })
    expect(await runBin(version, tmp, { env: { NODE_OPTIONS: '--max-semi-space-size=8' } })).toMatchObject({ code: 0, stderr: '' })
    expect(cacheFiles()).toHaveLength(3)
    const files = Object.fromEntries(cacheFiles().map((name) => [name, statSync(join(folder, name)).ino]))
    // Each read back without a write, the plain one too.
    expect(await runBin(version, tmp)).toMatchObject({ code: 0, stderr: '' })
    expect(await runBin(version, tmp, flagged)).toMatchObject({ code: 0, stderr: '' })
    expect(await runBin(version, tmp, { env: { NODE_OPTIONS: '--max-semi-space-size=8' } })).toMatchObject({ code: 0, stderr: '' })
    expect(Object.fromEntries(cacheFiles().map((name) => [name, statSync(join(folder, name)).ino]))).toEqual(files)
    expect(statSync(plain).ino).toBe(written.ino)
  })

  it('keeps at most 32 files, the most recently written, and none unused for 30 days', SLOW, async () => {
    mkdirSync(folder, { mode: 0o700 })
    const day = 24 * 3600
    const now = Date.now() / 1000
    // Files other installs left: `other-0` written a minute ago, `other-1` two minutes ago... and one 31 days ago.
    for (let i = 0; i < 40; i++) {
      const path = join(folder, `other-${i}.bin`)
      writeFileSync(path, 'x', { mode: 0o600 })
      utimesSync(path, now - 60 * (i + 1), now - 60 * (i + 1))
    }
    const stale = join(folder, 'stale.bin')
    writeFileSync(stale, 'x', { mode: 0o600 })
    utimesSync(stale, now - 31 * day, now - 31 * day)

    expect(await runBin(['--version'], tmp)).toMatchObject({ code: 0, stderr: '' })
    const left = readdirSync(folder)
    expect(left).toHaveLength(32)
    const others = Array.from({ length: 31 }, (_, i) => `other-${i}.bin`)
    expect(left.filter((name) => name.startsWith('other-')).sort()).toEqual(others.sort())
    const own = left.filter((name) => !name.startsWith('other-'))
    expect(own).toHaveLength(1)
    expect(cachedChunks(join(folder, own[0]!))).toContain(bundleChunk('main'))
  })

  it('is neither read nor written in a folder others can write to, or through a link', SLOW, async () => {
    mkdirSync(folder)
    chmodSync(folder, 0o777)
    expect(await runBin(['--version'], tmp)).toMatchObject({ code: 0, stderr: '' })
    expect(readdirSync(folder)).toEqual([])

    rmSync(folder, { recursive: true })
    const elsewhere = join(tmp, 'elsewhere')
    mkdirSync(elsewhere, { mode: 0o700 })
    symlinkSync(elsewhere, folder)
    expect(await runBin(['--version'], tmp)).toMatchObject({ code: 0, stderr: '' })
    expect(readdirSync(elsewhere)).toEqual([])
  })

  it('is off with NODE_DISABLE_COMPILE_CACHE, as Node 22 reads it for its own', SLOW, async () => {
    expect(await runBin(['--version'], tmp, { env: { NODE_DISABLE_COMPILE_CACHE: '1' } })).toMatchObject({ code: 0, stderr: '' })
    expect(existsSync(folder)).toBe(false)
  })
})
