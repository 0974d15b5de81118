import { ContainerModule } from 'inversify'
import { QuorumStrategy } from '../../core/ports/quorum-strategy.js'

/** Binds `strategy` as the node's QuorumStrategy. */
export function quorumModule(strategy: QuorumStrategy): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<QuorumStrategy>(QuorumStrategy).toConstantValue(strategy)
  })
}
