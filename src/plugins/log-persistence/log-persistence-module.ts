import { ContainerModule } from 'inversify'
import { Persistence } from '../../core/ports/persistence.js'
import { LogPersistence, type LogPersistenceOptions } from './log-persistence.js'

/**
 * Binds Persistence to one LogPersistence on `dataDir`, owned by `nodeId` (the node's access point), and
 * LogPersistence itself to the same instance so the composition root can draw the writer epoch from it. The
 * store opens and checks its dir on first use: the driver's first `load` at start.
 */
export function logPersistenceModule(
  dataDir: string,
  nodeId: string,
  options?: LogPersistenceOptions,
): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(LogPersistence)
      .toDynamicValue(() => new LogPersistence(dataDir, nodeId, options))
      .inSingletonScope()
    bind<Persistence>(Persistence).toService(LogPersistence)
  })
}
