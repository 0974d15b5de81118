import { ContainerModule } from 'inversify'
import { Transport } from '../../core/ports/transport.js'
import { kindOnlyPlugin, type PluginRegistration } from '../../node/plugin-registry.js'
import type { SimulatedNetwork } from './simulated-network.js'

/** Binds this node's Transport to an endpoint of a shared in-process network. */
export function inProcessTransportModule(network: SimulatedNetwork): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<Transport>(Transport)
      .toDynamicValue(() => network.endpoint())
      .inSingletonScope()
  })
}

/**
 * `transport: in-process` on `network`. Not in the node's default plugins: only a caller that owns a shared
 * network (a simulation, a test) can offer it, by adding this registration to the ones it builds nodes from.
 */
export function inProcessTransportPlugin(network: SimulatedNetwork): PluginRegistration {
  return kindOnlyPlugin('transport', 'in-process', () => inProcessTransportModule(network))
}
