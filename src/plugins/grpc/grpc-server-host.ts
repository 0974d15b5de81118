import * as grpc from '@grpc/grpc-js'
import { UnavailableError } from '../../core/errors.js'

/** Server options: keep-alive pings allowed, message size bounded. */
export const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  'grpc.max_receive_message_length': 4 * 1024 * 1024,
  // channelz keeps per-call statistics nobody reads here: a few % of a node's CPU under load.
  'grpc.enable_channelz': 0,
}

/**
 * One gRPC server per node, shared by the services that live on it (client, replica, admin). Services are added
 * first, then `listen` binds once; `shutdown` stops accepting, lets in-flight calls finish within `graceMs`, then
 * cancels the rest.
 */
export class GrpcServerHost {
  readonly server = new grpc.Server(SERVER_OPTIONS)
  private listening: Promise<number> | undefined
  boundPort: number | undefined

  constructor(
    readonly address: string,
    private readonly credentials = grpc.ServerCredentials.createInsecure(),
  ) {}

  addService(service: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): void {
    this.server.addService(service, implementation)
  }

  /** Binds the address (idempotent); resolves with the bound port. */
  listen(): Promise<number> {
    this.listening ??= new Promise<number>((resolve, reject) => {
      this.server.bindAsync(this.address, this.credentials, (error, port) => {
        if (error) return reject(new UnavailableError(`cannot listen on ${this.address}: ${error.message}`))
        this.boundPort = port
        resolve(port)
      })
    })
    return this.listening
  }

  async shutdown(graceMs = 2_000): Promise<void> {
    if (this.listening === undefined) return
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown()
        resolve()
      }, graceMs)
      this.server.tryShutdown(() => {
        clearTimeout(force)
        resolve()
      })
    })
  }
}
