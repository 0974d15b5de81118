import { ContainerModule } from 'inversify'
import { Hasher } from '../../core/ports/hasher.js'
import { DEFAULT_POOL_OPTIONS, WorkerPoolHasher, type WorkerPoolOptions } from './worker-pool-hasher.js'

/** Binds a WorkerPoolHasher; its threads start with the node and stop with it (NodeDriver.stop closes the Hasher). */
export function workerPoolHasherModule(options: Partial<WorkerPoolOptions>): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<Hasher>(Hasher)
      .toDynamicValue(() => new WorkerPoolHasher({ ...DEFAULT_POOL_OPTIONS, ...options }))
      .inSingletonScope()
  })
}
