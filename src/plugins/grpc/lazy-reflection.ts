import assert from 'node:assert'
import type * as grpc from '@grpc/grpc-js'
import type { PackageDefinition } from '@grpc/proto-loader'
import { ReflectionService } from '@grpc/reflection'

/** The one method of grpc.Server that ReflectionService.addToServer calls. */
type ServiceSink = Pick<grpc.Server, 'addService'>

type Handler = (...args: unknown[]) => unknown

/**
 * Server reflection (@grpc/reflection) whose index is built at the first reflection call instead of at start.
 * Building it decodes every file descriptor of our protos and Health's, and the reflection protos are parsed
 * twice: about 90 ms of each start in a CPU profile of tm-server, for a service few nodes are ever asked.
 *
 * Start-up adds the library's own services (reflection v1 and v1alpha) as an empty ReflectionService adds them.
 * Each method's handler builds the real service once, on its first call, and hands every call to it.
 */
export class LazyReflection {
  private handlers: Map<string, Handler> | undefined

  /** `definition`: what reflection describes; called once, at the first reflection call. */
  constructor(private readonly definition: () => PackageDefinition) {}

  addToServer(server: ServiceSink): void {
    const empty = servicesOf(new ReflectionService({}))
    for (const { service } of empty) {
      const implementation: Record<string, Handler> = {}
      for (const [name, method] of Object.entries(service)) {
        implementation[name] = (...args) => this.handler(method.path)(...args)
      }
      server.addService(service, implementation)
    }
  }

  private handler(path: string): Handler {
    this.handlers ??= handlersByPath(new ReflectionService(this.definition()))
    const handler = this.handlers.get(path)
    assert(handler !== undefined, `reflection has no handler for ${path}`)
    return handler
  }
}

/** The services and handlers `reflection` adds to a server, in order, captured without a server. */
function servicesOf(
  reflection: ReflectionService,
): { service: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation }[] {
  const added: { service: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation }[] = []
  const sink: ServiceSink = { addService: (service, implementation) => void added.push({ service, implementation }) }
  reflection.addToServer(sink as grpc.Server)
  return added
}

/** Each method's handler by its path (`/grpc.reflection.v1.ServerReflection/ServerReflectionInfo`). */
function handlersByPath(reflection: ReflectionService): Map<string, Handler> {
  const handlers = new Map<string, Handler>()
  for (const { service, implementation } of servicesOf(reflection)) {
    for (const [name, method] of Object.entries(service)) {
      const handler = implementation[name]
      assert(typeof handler === 'function', `reflection implements no ${method.path}`)
      handlers.set(method.path, handler.bind(implementation) as Handler)
    }
  }
  return handlers
}
