import { ContainerModule } from 'inversify'
import { QuorumStrategy } from '../../core/ports/quorum-strategy.js'
import type { QuorumSettings } from '../../node/node-settings.js'
import { AllQuorum } from './all-quorum.js'
import { FlexibleQuorum } from './flexible-quorum.js'
import { MajorityQuorum } from './majority-quorum.js'

export function createQuorumStrategy(settings: QuorumSettings): QuorumStrategy {
  switch (settings.kind) {
    case 'majority':
      return new MajorityQuorum()
    case 'all':
      return new AllQuorum()
    case 'flexible':
      return new FlexibleQuorum(settings.read, settings.write)
  }
}

/** Binds the QuorumStrategy chosen by the settings. */
export function quorumModule(settings: QuorumSettings): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<QuorumStrategy>(QuorumStrategy).toConstantValue(createQuorumStrategy(settings))
  })
}
