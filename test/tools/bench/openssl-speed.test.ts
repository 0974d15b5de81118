import test from 'ava'
import { parseOpensslSpeed } from '../../../src/tools/bench/openssl-speed.js'

test('parseOpensslSpeed reads the 16-byte column in 1000s of bytes per second as hashes per second', (t) => {
  const output = [
    'version: 3.0.19',
    "The 'numbers' are in 1000s of bytes per second processed.",
    'type             16 bytes',
    'sha256           81092.65k',
  ].join('\n')
  t.is(parseOpensslSpeed(output), (81092.65 * 1000) / 16)
  t.is(parseOpensslSpeed('sha512 100.00k'), undefined)
})
