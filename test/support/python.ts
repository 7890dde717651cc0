import { execFileSync } from 'node:child_process'
import { delimiter, dirname } from 'node:path'

/**
 * PATH with the folder of the interpreter `python3` names put first, so the
 * tests' child processes (the example client, once per scenario, hundreds of
 * times) start it directly. A version manager's `python3` can be a shim
 * (pyenv's is a bash script) that takes longer to start than Python itself.
 * The same interpreter either way; PATH unchanged when there is no python3.
 */
export function pathWithPythonFirst(path = process.env.PATH ?? ''): string {
  try {
    const executable = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8', timeout: 30_000 }).trim()
    return executable ? `${dirname(executable)}${delimiter}${path}` : path
  } catch {
    return path
  }
}
