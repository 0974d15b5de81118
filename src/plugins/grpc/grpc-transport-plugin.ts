import type { PluginRegistration, PluginSettings } from '../../node/plugin-registry.js'
import { ClusterTls } from '../tls/cluster-tls.js'
import { grpcTransportModule } from './grpc-module.js'

interface GrpcSettings {
  /** Where the server binds, when not at the node's access point (e.g. 0.0.0.0:50051 behind a proxy). */
  readonly listen?: string
}

/**
 * `transport: grpc`: the node's one gRPC server carries the replica protocol beside the client and admin
 * services, over mutual TLS when the node's settings have a security section.
 */
export const grpcTransportPlugin: PluginRegistration<GrpcSettings> = {
  slot: 'transport',
  kind: 'grpc',
  fields: ['listen'],
  parse: (fields) =>
    fields.optional('listen') === undefined ? {} : { listen: fields.text('listen', 'an ip:port to bind') },
  module: ({ listen }, { self, scheme, settings }) => {
    const tls = settings.security && ClusterTls.load(settings.security, self, scheme.nodes())
    return grpcTransportModule(self, scheme, tls, listen ?? self)
  },
}

/** Where a node whose transport section is `transport` binds: its `listen`, else the node's access point. */
export function listenAddressOf(transport: PluginSettings, self: string): string {
  return (transport as PluginSettings & GrpcSettings).listen ?? self
}
