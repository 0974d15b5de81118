import { kindOnlyPlugin, type PluginRegistration } from '../../node/plugin-registry.js'
import { AllQuorum } from './all-quorum.js'
import { FlexibleQuorum } from './flexible-quorum.js'
import { MajorityQuorum } from './majority-quorum.js'
import { quorumModule } from './quorum-module.js'

/** `quorum: majority`: floor(N/2)+1 replicas for reads and writes alike. */
export const majorityQuorumPlugin = kindOnlyPlugin('quorum', 'majority', () => quorumModule(new MajorityQuorum()))

/** `quorum: all`: every replica, for comparison (one silent replica blocks its token). */
export const allQuorumPlugin = kindOnlyPlugin('quorum', 'all', () => quorumModule(new AllQuorum()))

interface FlexibleSizes {
  readonly read: number
  readonly write: number
}

/** `quorum: { kind: flexible, read: R, write: W }`: fixed sizes, checked against every token at start. */
export const flexibleQuorumPlugin: PluginRegistration<FlexibleSizes> = {
  slot: 'quorum',
  kind: 'flexible',
  fields: ['read', 'write'],
  parse: (fields) => ({ read: fields.integer('read', 1), write: fields.integer('write', 1) }),
  module: ({ read, write }) => quorumModule(new FlexibleQuorum(read, write)),
}
