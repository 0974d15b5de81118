import { ContainerModule } from 'inversify'
import { Hasher } from '../../core/ports/hasher.js'
import { NativeHasher } from './native-hasher.js'

export const nativeHasherModule = new ContainerModule(({ bind }) => {
  bind<Hasher>(Hasher).to(NativeHasher).inSingletonScope()
})
