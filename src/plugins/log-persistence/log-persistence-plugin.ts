import type { PluginRegistration, PluginSettings } from '../../node/plugin-registry.js'
import { logPersistenceModule } from './log-persistence-module.js'

interface DurableSettings {
  readonly dataDir: string
}

/** `persistence: { kind: durable, dataDir: DIR }`: the append-only log store in DIR, owned by this node. */
export const logPersistencePlugin: PluginRegistration<DurableSettings> = {
  slot: 'persistence',
  kind: 'durable',
  fields: ['dataDir'],
  parse: (fields) => ({ dataDir: fields.text('dataDir', 'a directory path') }),
  module: ({ dataDir }, node) => logPersistenceModule(dataDir, node.self),
}

/** The data dir a parsed persistence section names, when it names this plugin; undefined for any other. */
export function durableDataDirOf(persistence: PluginSettings): string | undefined {
  if (persistence.kind !== logPersistencePlugin.kind) return undefined
  return (persistence as PluginSettings & DurableSettings).dataDir
}
