import { requireDependency } from '../../core/lazy-dependency.js'
import { caKeyPem, caPem, certPem, keyPem } from '../../../fixtures/carina-credentials.js'
import type { Cluster } from './store.js'

/** A stable, documentation-range address for a cluster's Docker host (RFC 5737 TEST-NET-3). */
export function dockerHostOf(cluster: Cluster): string {
  let hash = 0
  for (const ch of cluster.key) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0
  return `203.0.113.${(hash % 250) + 2}:2376`
}

/**
 * The credentials zip as Carina served it: one folder named after the cluster
 * with the TLS material and shell snippets that point Docker at the cluster.
 * `docker.env` uses `export DOCKER_HOST=tcp://<ip>:<port>`, the line clients
 * parse (libcarina, howtowhale).
 */
export function buildCredentialsZip(cluster: Cluster, now: Date): Uint8Array {
  const host = dockerHostOf(cluster)
  const files: Record<string, string> = {
    'README.md': `# Credentials for the Carina cluster ${cluster.name}\n\nLoad them into your shell, then use docker as usual:\n\n    source docker.env      # bash, zsh\n    source docker.fish     # fish\n    . .\\docker.ps1         # PowerShell\n    call docker.cmd        # cmd.exe\n\nKeep ca-key.pem and key.pem secret.\n`,
    'ca.pem': caPem,
    'ca-key.pem': caKeyPem,
    'cert.pem': certPem,
    'key.pem': keyPem,
    'docker.env': `# Source this file: source docker.env\nexport DOCKER_HOST=tcp://${host}\nexport DOCKER_TLS_VERIFY=1\nexport DOCKER_CERT_PATH=$(cd "$(dirname "\${BASH_SOURCE[0]:-$0}")" && pwd)\nexport DOCKER_VERSION=1.11.2\n`,
    'docker.fish': `set -x DOCKER_HOST tcp://${host}\nset -x DOCKER_TLS_VERIFY 1\nset -x DOCKER_CERT_PATH (dirname (status -f))\nset -x DOCKER_VERSION 1.11.2\n`,
    'docker.cmd': `@echo off\r\nset DOCKER_HOST=tcp://${host}\r\nset DOCKER_TLS_VERIFY=1\r\nset DOCKER_CERT_PATH=%~dp0\r\nset DOCKER_VERSION=1.11.2\r\n`,
    'docker.ps1': `$env:DOCKER_HOST="tcp://${host}"\r\n$env:DOCKER_TLS_VERIFY=1\r\n$env:DOCKER_CERT_PATH=$PSScriptRoot\r\n$env:DOCKER_VERSION="1.11.2"\r\n`,
  }
  const { zipSync, strToU8 } = requireDependency<typeof import('fflate')>('fflate')
  const entries = Object.fromEntries(Object.entries(files).map(([name, text]) => [`${cluster.name}/${name}`, strToU8(text)]))
  // Zip timestamps are DOS dates (1980 onwards); the mock clock makes the archive deterministic.
  return zipSync(entries, { mtime: now.getTime() < Date.UTC(1980, 1, 1) ? Date.UTC(1980, 1, 1) : now })
}
