import { ContainerModule } from 'inversify'
import { Hasher } from '../../core/ports/hasher.js'
import { WasmHasher } from './wasm-hasher.js'

export const wasmHasherModule = new ContainerModule(({ bind }) => {
  bind<Hasher>(Hasher).to(WasmHasher).inSingletonScope()
})
