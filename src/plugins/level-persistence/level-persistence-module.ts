import { ContainerModule } from 'inversify'
import { Persistence } from '../../core/ports/persistence.js'
import { LevelPersistence } from './level-persistence.js'

/**
 * Binds Persistence to one LevelPersistence on `dataDir`, owned by `nodeId` (the node's access point), and
 * LevelPersistence itself to the same instance so the composition root can draw the writer epoch from it.
 * The store opens and checks its dir on first use: the driver's first `load` at start.
 */
export function levelPersistenceModule(dataDir: string, nodeId: string): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(LevelPersistence)
      .toDynamicValue(() => new LevelPersistence(dataDir, nodeId))
      .inSingletonScope()
    bind<Persistence>(Persistence).toService(LevelPersistence)
  })
}
