import 'reflect-metadata'
import test from 'ava'
import { InvalidArgumentError } from '../../src/core/errors.js'
import { NodeDriver } from '../../src/core/node/node-driver.js'
import { QuorumStrategy } from '../../src/core/ports/quorum-strategy.js'
import { ReplicationScheme } from '../../src/core/scheme/replication-scheme.js'
import { createNodeContainer } from '../../src/node/node-container.js'
import { NODE_PLUGINS } from '../../src/node/node-plugins.js'
import { resolveSettings } from '../../src/node/node-settings.js'
import { type PluginRegistration, type Slot, SettingError } from '../../src/node/plugin-registry.js'
import { startNode } from '../../src/node/start-node.js'
import { NodeLogger } from '../../src/plugins/grpc/node-logger.js'
import { inProcessTransportPlugin } from '../../src/plugins/in-process/in-process-module.js'
import { SeededRandom } from '../../src/plugins/in-process/seeded-random.js'
import { SimulatedNetwork } from '../../src/plugins/in-process/simulated-network.js'
import { SimulatedTime } from '../../src/plugins/in-process/simulated-time.js'
import { quorumModule } from '../../src/plugins/quorum/quorum-module.js'

/** Each registration's section as a person writes it, and what its plugin makes of it. */
const GOOD: readonly [Slot, unknown, object][] = [
  ['transport', 'grpc', { kind: 'grpc' }],
  ['transport', { kind: 'grpc', listen: '0.0.0.0:1' }, { kind: 'grpc', listen: '0.0.0.0:1' }],
  ['persistence', 'memory', { kind: 'memory' }],
  ['persistence', { kind: 'durable', dataDir: 'd' }, { kind: 'durable', dataDir: 'd' }],
  ['hasher', 'inline', { kind: 'inline' }],
  ['hasher', 'worker-pool', { kind: 'worker-pool', threads: 0, chunkValues: 262144 }],
  ['hasher', { kind: 'worker-pool', threads: 3, chunkValues: 8 }, { kind: 'worker-pool', threads: 3, chunkValues: 8 }],
  ['quorum', 'majority', { kind: 'majority' }],
  ['quorum', { kind: 'all' }, { kind: 'all' }],
  ['quorum', { kind: 'flexible', read: 1, write: 3 }, { kind: 'flexible', read: 1, write: 3 }],
]

test('each registration reads its own section, and reads its own output the same', (t) => {
  for (const [slot, input, parsed] of GOOD) {
    const settings = NODE_PLUGINS.parse(slot, input)
    t.deepEqual(settings, parsed, JSON.stringify(input))
    t.deepEqual(NODE_PLUGINS.parse(slot, settings), parsed, JSON.stringify(input))
  }
})

/** A bad section, the field its error names, and the one-line message. */
const BAD: readonly [Slot, unknown, string | undefined, RegExp][] = [
  [
    'transport',
    { kind: 'grpc', listen: '' },
    'listen',
    /^transport listen must be an ip:port to bind; got the string ""$/,
  ],
  ['persistence', { kind: 'durable' }, undefined, /^durable persistence is missing "dataDir"$/],
  ['persistence', { kind: 'durable', dataDir: 7 }, 'dataDir', /^persistence dataDir must be a directory path/],
  ['persistence', { kind: 'memory', dataDir: 'd' }, 'dataDir', /^unknown key "dataDir" in persistence \(kind memory\)/],
  ['hasher', { kind: 'worker-pool', threads: 1.5 }, 'threads', /^hasher threads must be a non-negative integer/],
  ['hasher', { kind: 'worker-pool', chunkValues: 0 }, 'chunkValues', /^hasher chunkValues must be a positive integer/],
  ['quorum', { kind: 'flexible', read: 2, write: 'all' }, 'write', /^quorum write must be a positive integer/],
  ['quorum', { kind: 'flexible', read: 0, write: 2 }, 'read', /^quorum read must be a positive integer/],
  [
    'quorum',
    { kind: 'majority', read: 2 },
    'read',
    /^unknown key "read" in quorum \(kind majority\); allowed keys: kind$/,
  ],
  ['quorum', { read: 2 }, undefined, /^quorum is missing "kind"$/],
  ['quorum', 3, undefined, /^quorum must be a kind \(majority, all, flexible\) or a mapping/],
]

test('a bad section is refused in one line naming its field', (t) => {
  for (const [slot, input, field, message] of BAD) {
    const error = t.throws(() => NODE_PLUGINS.parse(slot, input), { instanceOf: SettingError, message })
    t.is(error?.slot, slot)
    t.is(error?.field, field, JSON.stringify(input))
    t.false(error?.message.includes('\n'))
  }
})

test('an unknown kind is refused naming the known kinds', (t) => {
  t.throws(() => NODE_PLUGINS.parse('quorum', 'sloppy'), {
    message: 'quorum kind must be one of majority, all, flexible; got the string "sloppy"',
  })
  t.throws(() => resolveSettings({ persistence: { kind: 'leveldb' } }), {
    instanceOf: SettingError,
    message: 'persistence kind must be one of memory, durable; got the string "leveldb"',
  })
  // The in-process transport needs a network: only a caller that has one registers it.
  t.throws(() => resolveSettings({ transport: 'in-process' }), { message: /transport kind must be one of grpc;/ })
})

test('two registrations of one kind in one slot are refused', (t) => {
  t.throws(() => NODE_PLUGINS.with({ ...NODE_PLUGINS.find('quorum', 'all')! }), {
    message: 'two quorum plugins register the kind all',
  })
})

/** A strategy only this test knows: one replica answers every read and write (broken on purpose, never run). */
class FixedQuorum implements QuorumStrategy {
  readonly name = 'fixed'
  constructor(readonly size: number) {}
  readQuorum(): number {
    return this.size
  }
  writeQuorum(): number {
    return this.size
  }
  validate(): void {}
}

const fixedQuorumPlugin: PluginRegistration<{ readonly size: number }> = {
  slot: 'quorum',
  kind: 'fixed',
  fields: ['size'],
  parse: (fields) => ({ size: fields.integer('size', 1) }),
  module: ({ size }) => quorumModule(new FixedQuorum(size)),
}

test('a new quorum strategy needs only its registration: the node is built with it from its settings', (t) => {
  const network = new SimulatedNetwork(new SimulatedTime(), new SeededRandom(1))
  const plugins = NODE_PLUGINS.with(inProcessTransportPlugin(network), fixedQuorumPlugin)
  const settings = resolveSettings(
    { transport: 'in-process', hasher: 'inline', quorum: { kind: 'fixed', size: 1 } },
    plugins,
  )
  t.deepEqual(settings.quorum, { kind: 'fixed', size: 1 })
  t.throws(() => resolveSettings({ quorum: { kind: 'fixed', size: 0 } }, plugins), {
    message: /^quorum size must be a positive integer/,
  })
  const scheme = new ReplicationScheme([{ token: 'T', writer: 'a:1', readers: ['a:1'] }])
  const container = createNodeContainer({ self: 'a:1', scheme, settings, epoch: 1n, incarnation: 1 }, { plugins })
  const quorum = container.get<QuorumStrategy>(QuorumStrategy)
  t.true(quorum instanceof FixedQuorum)
  t.is(quorum.readQuorum(3), 1)
  t.true(container.get(NodeDriver) instanceof NodeDriver)
})

test('a served node refuses a transport other than gRPC in one line', async (t) => {
  const network = new SimulatedNetwork(new SimulatedTime(), new SeededRandom(1))
  const settings = resolveSettings({ transport: 'in-process' }, NODE_PLUGINS.with(inProcessTransportPlugin(network)))
  const scheme = new ReplicationScheme([{ token: 'T', writer: '127.0.0.1:1', readers: ['127.0.0.1:1'] }])
  await t.throwsAsync(startNode('127.0.0.1:1', scheme, settings, new NodeLogger('silent', {})), {
    instanceOf: InvalidArgumentError,
    message: 'a served node runs transport grpc; in-process runs only inside a simulation',
  })
})
