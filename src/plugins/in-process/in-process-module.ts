import { ContainerModule } from 'inversify'
import { Transport } from '../../core/ports/transport.js'
import type { SimulatedNetwork } from './simulated-network.js'

/** Binds this node's Transport to an endpoint of a shared in-process network. */
export function inProcessTransportModule(network: SimulatedNetwork): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<Transport>(Transport)
      .toDynamicValue(() => network.endpoint())
      .inSingletonScope()
  })
}
