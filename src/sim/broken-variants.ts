import type { QuorumStrategy } from '../core/ports/quorum-strategy.js'
import { AllQuorum } from '../plugins/quorum/all-quorum.js'
import { MajorityQuorum } from '../plugins/quorum/majority-quorum.js'
import type { SimulationOptions } from './simulation.js'

/** Reads and writes from a single replica: regular at best, so the checker must find non-atomic histories. */
class SingleReplicaQuorum implements QuorumStrategy {
  readonly name = 'broken-single'
  readQuorum(): number {
    return 1
  }
  writeQuorum(): number {
    return 1
  }
  validate(): void {}
}

/** The workload that proves the checks catch a variant: seeds [firstSeed, firstSeed + seeds), at least `caught`. */
export interface VariantProof {
  readonly firstSeed: number
  readonly seeds: number
  readonly caught: number
  readonly workload: (seed: number) => Omit<SimulationOptions, 'seed'>
}

/** A deliberately broken protocol or world: the simulation's checks must catch it (test/sim/broken-variants). */
export interface BrokenVariant {
  readonly name: string
  /** What goes wrong, completing "proof the suite can fail: ...". */
  readonly description: string
  /** The check that catches it. */
  readonly caughtBy: 'linearizability' | 'liveness'
  /** What the variant changes in a simulation, over any workload. */
  readonly options: Partial<SimulationOptions>
  /** How many live replicas a token needs to be held to liveness (the quorum the protocol should have used). */
  readonly liveQuorum: (replicas: number) => number
  readonly proof: VariantProof
}

const majority = new MajorityQuorum()
const majorityOf = (replicas: number): number => majority.readQuorum(replicas)

/** The one list of broken variants: the test proves each is caught, and `tm-sim --variant NAME` replays one. */
export const BROKEN_VARIANTS: readonly BrokenVariant[] = [
  {
    name: 'single-replica-quorum',
    description: 'quorums that do not intersect produce histories the checker rejects',
    caughtBy: 'linearizability',
    options: { quorum: new SingleReplicaQuorum() },
    liveQuorum: () => 1,
    proof: {
      firstSeed: 0,
      seeds: 30,
      caught: 10,
      workload: () => ({
        operations: 400,
        clients: 8,
        tokens: 2,
        majorityFailureProbability: 0,
        operationTimeoutMs: 1_000,
      }),
    },
  },
  {
    name: 'all-quorum',
    description: 'waiting for all replicas blocks under a silent minority and the liveness check says so',
    caughtBy: 'liveness',
    options: { quorum: new AllQuorum() },
    liveQuorum: majorityOf,
    proof: {
      firstSeed: 0,
      seeds: 30,
      caught: 10,
      workload: () => ({
        operations: 300,
        clients: 4,
        tokens: 3,
        majorityFailureProbability: 0,
        operationTimeoutMs: 1_000,
      }),
    },
  },
  {
    name: 'lease-drift',
    description: 'clocks drifting beyond what the nodes assume let a lease holder serve a stale version',
    caughtBy: 'linearizability',
    // Clocks at 0.2x to 1.8x real time against an assumed 0, and one message in five held back 100 ms.
    options: {
      readLeaseMs: 100,
      assumedDrift: 0,
      actualDrift: 0.8,
      readFraction: 0.85,
      network: { slowProbability: 0.2, slowDelayMs: 100 },
    },
    liveQuorum: majorityOf,
    proof: {
      firstSeed: 3_200_000,
      seeds: 30,
      caught: 1,
      workload: (seed) => ({
        operations: 600,
        clients: 2 + (seed % 12),
        tokens: 1 + (seed % 3),
        majorityFailureProbability: 0.1,
        operationTimeoutMs: 1_000,
        cancelProbability: 0.02,
      }),
    },
  },
  {
    name: 'skip-recovery',
    description: 'a node restarted without its state that skips recovery serves a value an acknowledged write replaced',
    caughtBy: 'linearizability',
    // Lagging replicas and restarts that lose the state: the restarted copy and a lagging one can form a read
    // quorum without the last acknowledged write. No leases, so reads always ask a quorum.
    options: {
      skipRecovery: true,
      restarts: 4,
      lag: true,
      restartModes: ['amnesia'],
      readLeaseMs: 0,
      operationTimeoutMs: 300,
      majorityFailureProbability: 0,
    },
    liveQuorum: majorityOf,
    proof: {
      firstSeed: 0,
      seeds: 30,
      caught: 2,
      workload: () => ({
        operations: 300,
        clients: 4,
        tokens: 2,
        majorityFailureProbability: 0,
        operationTimeoutMs: 300,
      }),
    },
  },
  {
    name: 'no-resend',
    description: 'quorum rounds that never resend a request miss their deadline when a link loses it',
    caughtBy: 'liveness',
    // One message in twenty lost: a round whose request or answer went missing waits for its deadline.
    options: { noResend: true, network: { lossProbability: 0.05 } },
    liveQuorum: majorityOf,
    proof: {
      firstSeed: 0,
      seeds: 10,
      caught: 8,
      workload: () => ({
        operations: 300,
        clients: 4,
        tokens: 2,
        majorityFailureProbability: 0,
        operationTimeoutMs: 1_000,
      }),
    },
  },
]

export function variantNamed(name: string): BrokenVariant | undefined {
  return BROKEN_VARIANTS.find((variant) => variant.name === name)
}
