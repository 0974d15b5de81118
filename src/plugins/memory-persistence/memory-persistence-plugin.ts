import { kindOnlyPlugin } from '../../node/plugin-registry.js'
import { memoryPersistenceModule } from './memory-persistence-module.js'

/** `persistence: memory`: state lives in the process only, so a restarted node recovers it from the others. */
export const memoryPersistencePlugin = kindOnlyPlugin('persistence', 'memory', () => memoryPersistenceModule)
