#!/usr/bin/env node
/*
 * npm run bench:persist [-- --json]: the durable stores side by side, the way a node uses them: C concurrent
 * savers (C = 1 and 64), each saving one token entry of a realistic size and waiting for it, for a fixed time.
 * Stores: the append-only log with group commit (the default), LevelDB with the same group commit, and LevelDB
 * with one synced batch per save (how 0.1 saved). Reported per store and C: saves per second, latency p50/p99,
 * synced writes per second, and CPU per save (this process, threadpool included). Rounds interleave the stores
 * and the medians of --runs rounds are printed; the ratios compare the log with each LevelDB variant.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Persistence } from '../../core/ports/persistence.js'
import type { PersistEntry } from '../../core/protocol/outbox.js'
import { LevelPersistence } from '../../plugins/level-persistence/level-persistence.js'
import { LogPersistence } from '../../plugins/log-persistence/log-persistence.js'
import { machineInfo } from './machine-info.js'

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    'duration-ms': { type: 'string', default: '3000' },
    dir: { type: 'string', default: tmpdir() },
  },
})
const runs = Number(values.runs)
const durationMs = Number(values['duration-ms'])
const CONCURRENCY = [1, 64]
const TOKENS = 100

type StoreName = 'log (group commit)' | 'leveldb (group commit)' | 'leveldb (one sync per save)'
const STORES: Record<StoreName, (dir: string) => Promise<Persistence & { observe(l: () => void): void }>> = {
  'log (group commit)': (dir) => LogPersistence.open(dir, 'bench'),
  'leveldb (group commit)': (dir) => LevelPersistence.open(dir, 'bench'),
  'leveldb (one sync per save)': (dir) => LevelPersistence.open(dir, 'bench', { maxEntries: 1, maxBytes: 1 }),
}

interface Sample {
  readonly savesPerSecond: number
  readonly syncsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly cpuUsPerSave: number
}

/** A committed write of a 3-node token: a name, a domain, both argmins (about 250 bytes encoded). */
function entryOf(token: number, seq: bigint): PersistEntry {
  return {
    token: String(token),
    ts: { seq, epoch: 1n << 40n },
    value: {
      kind: 'token',
      token: {
        name: `token-${token}`,
        low: 0n,
        mid: 16n,
        high: 32n,
        partial: { nonce: 3n, hash: 1234567890123456789n },
        final: { nonce: 17n, hash: 123456789012345678n },
      },
    },
  }
}

async function measure(
  make: (dir: string) => ReturnType<(typeof STORES)[StoreName]>,
  parent: string,
  concurrency: number,
): Promise<Sample> {
  const dir = mkdtempSync(join(parent, 'tm-persist-bench-'))
  const store = await make(join(dir, 'data'))
  let syncs = 0
  store.observe(() => {
    syncs++
  })
  const latenciesMs: number[] = []
  let seq = 0n
  const cpuBefore = process.cpuUsage()
  const startMs = performance.now()
  const endMs = startMs + durationMs
  await Promise.all(
    Array.from({ length: concurrency }, async (_, saver) => {
      while (performance.now() < endMs) {
        const t0 = performance.now()
        await store.save([entryOf((saver * 7 + Number(seq)) % TOKENS, ++seq)])
        latenciesMs.push(performance.now() - t0)
      }
    }),
  )
  const elapsedS = (performance.now() - startMs) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  await store.close()
  rmSync(dir, { recursive: true, force: true })
  latenciesMs.sort((a, b) => a - b)
  return {
    savesPerSecond: latenciesMs.length / elapsedS,
    syncsPerSecond: syncs / elapsedS,
    p50Ms: latenciesMs[Math.floor(latenciesMs.length / 2)]!,
    p99Ms: latenciesMs[Math.floor(latenciesMs.length * 0.99)]!,
    cpuUsPerSave: (cpu.user + cpu.system) / latenciesMs.length,
  }
}

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

function medianSample(samples: readonly Sample[]): Sample {
  const of = (key: keyof Sample): number => median(samples.map((s) => s[key]))
  return {
    savesPerSecond: of('savesPerSecond'),
    syncsPerSecond: of('syncsPerSecond'),
    p50Ms: of('p50Ms'),
    p99Ms: of('p99Ms'),
    cpuUsPerSave: of('cpuUsPerSave'),
  }
}

async function main(): Promise<void> {
  const results: { store: StoreName; concurrency: number; sample: Sample }[] = []
  for (const concurrency of CONCURRENCY) {
    const samples = new Map<StoreName, Sample[]>()
    for (let run = 0; run < runs; run++) {
      for (const [name, make] of Object.entries(STORES) as [StoreName, (typeof STORES)[StoreName]][]) {
        samples.set(name, [...(samples.get(name) ?? []), await measure(make, values.dir!, concurrency)])
      }
    }
    for (const [store, list] of samples) results.push({ store, concurrency, sample: medianSample(list) })
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ machine: machineInfo(), durationMs, runs, results })}\n`)
    return
  }
  process.stdout.write(`bench:persist: ${runs} rounds x ${durationMs} ms per store and C, medians; dir ${values.dir}\n`)
  for (const { store, concurrency, sample: s } of results) {
    process.stdout.write(
      `  C=${String(concurrency).padEnd(3)} ${store.padEnd(28)} ${s.savesPerSecond.toFixed(0).padStart(7)} saves/s ` +
        `${s.syncsPerSecond.toFixed(0).padStart(6)} syncs/s  p50 ${s.p50Ms.toFixed(2)} ms  p99 ${s.p99Ms.toFixed(2)} ms  ` +
        `CPU ${s.cpuUsPerSave.toFixed(1)} us/save\n`,
    )
  }
  for (const concurrency of CONCURRENCY) {
    const of = (store: StoreName): Sample =>
      results.find((r) => r.store === store && r.concurrency === concurrency)!.sample
    const log = of('log (group commit)')
    for (const other of ['leveldb (group commit)', 'leveldb (one sync per save)'] as const) {
      process.stdout.write(
        `  C=${concurrency}: log / ${other}: saves ${(log.savesPerSecond / of(other).savesPerSecond).toFixed(2)}x, ` +
          `CPU per save ${(log.cpuUsPerSave / of(other).cpuUsPerSave).toFixed(2)}x\n`,
      )
    }
  }
}

await main()
