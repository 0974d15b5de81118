import type { PluginRegistration } from '../../node/plugin-registry.js'
import { inlineHasherModule } from './inline-hasher-module.js'

/** `hasher: inline`: hashes on the event loop, deterministic (the simulations use it). */
export const inlineHasherPlugin: PluginRegistration = {
  slot: 'hasher',
  kind: 'inline',
  fields: [],
  parse: () => ({}),
  module: () => inlineHasherModule,
}
