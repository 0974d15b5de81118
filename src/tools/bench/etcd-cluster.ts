import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcesses } from './child-processes.js'
import { freePorts } from '../../node/free-ports.js'
import type { StartedProcess } from '../../node/start-process.js'

export interface EtcdCluster {
  readonly endpoints: readonly string[]
  readonly pids: readonly number[]
  remove(): void
}

/** The etcd binary on PATH, installed from Debian's etcd-server package when absent (needs root). */
export function ensureEtcd(log: (line: string) => void): string {
  const found = which('etcd')
  if (found !== undefined) return found
  log('etcd not found: apt-get install -y etcd-server')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['install', '-y', 'etcd-server'], { env, stdio: ['ignore', 'ignore', 'inherit'] })
  // The package may start its own member on the default ports: the benchmark runs its own cluster only.
  spawnSync('systemctl', ['stop', 'etcd'], { stdio: 'ignore' })
  spawnSync('service', ['etcd', 'stop'], { stdio: 'ignore' })
  const installed = which('etcd')
  if (installed === undefined) throw new Error('etcd-server installed but no etcd on PATH')
  return installed
}

function which(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' })
  const path = result.stdout.trim()
  return result.status === 0 && path !== '' ? path : undefined
}

/**
 * A `members`-member etcd cluster on free 127.0.0.1 ports with separate temp data dirs (in the OS temp dir, where
 * our nodes' data dirs live too). With `fsync` false it runs with --unsafe-no-fsync, to compare with our memory
 * persistence, which does not fsync either. Resolves when every member serves clients.
 */
export async function startEtcdCluster(
  children: ChildProcesses,
  etcd: string,
  memberCount: number,
  fsync: boolean,
): Promise<EtcdCluster> {
  const ports = await freePorts(memberCount * 2)
  const names = Array.from({ length: memberCount }, (_, i) => `m${i}`)
  const peerUrl = (i: number): string => `http://127.0.0.1:${ports[memberCount + i]}`
  const clientUrl = (i: number): string => `http://127.0.0.1:${ports[i]}`
  const initialCluster = names.map((n, i) => `${n}=${peerUrl(i)}`).join(',')
  const dirs = names.map((n) => mkdtempSync(join(tmpdir(), `tm-bench-etcd-${n}-`)))
  const remove = (): void => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }
  let members: StartedProcess[]
  try {
    members = await Promise.all(
      names.map((name, i) =>
        children.start({
          label: `etcd ${name}`,
          command: etcd,
          args: [
            '--name',
            name,
            '--data-dir',
            dirs[i]!,
            '--listen-client-urls',
            clientUrl(i),
            '--advertise-client-urls',
            clientUrl(i),
            '--listen-peer-urls',
            peerUrl(i),
            '--initial-advertise-peer-urls',
            peerUrl(i),
            '--initial-cluster',
            initialCluster,
            '--initial-cluster-state',
            'new',
            '--initial-cluster-token',
            'tm-bench',
            ...(fsync ? [] : ['--unsafe-no-fsync']),
            '--logger',
            'zap',
            '--log-level',
            'info',
          ],
          ready: { line: /ready to serve client requests|serving client traffic/ },
          timeoutMs: 30_000,
        }),
      ),
    )
  } catch (error) {
    remove()
    throw error
  }
  return {
    endpoints: ports.slice(0, memberCount).map((p) => `127.0.0.1:${p}`),
    pids: members.map((member) => member.pid),
    remove,
  }
}
