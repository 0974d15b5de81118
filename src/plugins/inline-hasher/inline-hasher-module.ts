import { ContainerModule } from 'inversify'
import { Hasher } from '../../core/ports/hasher.js'
import { InlineHasher } from './inline-hasher.js'

export const inlineHasherModule = new ContainerModule(({ bind }) => {
  bind<Hasher>(Hasher).to(InlineHasher).inSingletonScope()
})
