import { grpcTransportPlugin } from '../plugins/grpc/grpc-transport-plugin.js'
import { inlineHasherPlugin } from '../plugins/inline-hasher/inline-hasher-plugin.js'
import { logPersistencePlugin } from '../plugins/log-persistence/log-persistence-plugin.js'
import { memoryPersistencePlugin } from '../plugins/memory-persistence/memory-persistence-plugin.js'
import { allQuorumPlugin, flexibleQuorumPlugin, majorityQuorumPlugin } from '../plugins/quorum/quorum-plugins.js'
import { offTracingPlugin, otlpTracingPlugin } from '../plugins/tracing/tracing-plugins.js'
import { workerPoolHasherPlugin } from '../plugins/worker-pool-hasher/worker-pool-hasher-plugin.js'
import { PluginRegistry, type PluginRegistration, type Slot } from './plugin-registry.js'

/*
 * The strategies a node can run, one table per slot: adding one is its plugin folder (with its registration)
 * plus one line here. The first entry of each table is the slot's default. The in-process transport is not
 * here: it needs a shared network, so the simulation adds it to the registrations it builds nodes from.
 */
const TRANSPORTS: readonly PluginRegistration[] = [grpcTransportPlugin]
const PERSISTENCES: readonly PluginRegistration[] = [memoryPersistencePlugin, logPersistencePlugin]
const HASHERS: readonly PluginRegistration[] = [workerPoolHasherPlugin, inlineHasherPlugin]
const QUORUMS: readonly PluginRegistration[] = [majorityQuorumPlugin, allQuorumPlugin, flexibleQuorumPlugin]
const TRACINGS: readonly PluginRegistration[] = [offTracingPlugin, otlpTracingPlugin]

const TABLES: { readonly [S in Slot]: readonly PluginRegistration[] } = {
  transport: TRANSPORTS,
  persistence: PERSISTENCES,
  hasher: HASHERS,
  quorum: QUORUMS,
  tracing: TRACINGS,
}

export const NODE_PLUGINS = new PluginRegistry(Object.values(TABLES).flat())

/** The kind a node runs in `slot` when its settings name none. */
export function defaultKind(slot: Slot): string {
  return TABLES[slot][0]!.kind
}
