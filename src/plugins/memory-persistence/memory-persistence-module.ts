import { ContainerModule } from 'inversify'
import { Persistence } from '../../core/ports/persistence.js'
import { MemoryPersistence } from './memory-persistence.js'

export const memoryPersistenceModule = new ContainerModule(({ bind }) => {
  bind<Persistence>(Persistence).to(MemoryPersistence).inSingletonScope()
})
