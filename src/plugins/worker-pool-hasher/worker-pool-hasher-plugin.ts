import type { PluginRegistration } from '../../node/plugin-registry.js'
import { DEFAULT_POOL_OPTIONS } from './worker-pool-hasher.js'
import { workerPoolHasherModule } from './worker-pool-hasher-module.js'

interface PoolSettings {
  /** Worker threads; 0 means one per core. */
  readonly threads: number
  /** Values per chunk: a job waits at most one chunk for a free thread. */
  readonly chunkValues: number
}

/** `hasher: { kind: worker-pool, threads: 0, chunkValues: 262144 }`: hashes on worker threads (production). */
export const workerPoolHasherPlugin: PluginRegistration<PoolSettings> = {
  slot: 'hasher',
  kind: 'worker-pool',
  fields: ['threads', 'chunkValues'],
  parse: (fields) => ({
    threads: fields.integer('threads', 0, DEFAULT_POOL_OPTIONS.threads),
    chunkValues: fields.integer('chunkValues', 1, DEFAULT_POOL_OPTIONS.chunkValues),
  }),
  module: (settings) => workerPoolHasherModule(settings),
}
