import { kindOnlyPlugin } from '../../node/plugin-registry.js'
import { inlineHasherModule } from './inline-hasher-module.js'

/** `hasher: inline`: hashes on the event loop, deterministic (the simulations use it). */
export const inlineHasherPlugin = kindOnlyPlugin('hasher', 'inline', () => inlineHasherModule)
