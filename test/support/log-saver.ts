// A child process for the crash test: saves to a LogPersistence as fast as it can from 16 concurrent loops and
// prints `ack <token> <seq>` once each save resolved, until it is killed. argv: dataDir, first seq, compactMinBytes.
import { LogPersistence } from '../../src/plugins/log-persistence/log-persistence.js'

const [dataDir, firstSeq, compactMinBytes] = process.argv.slice(2)
const store = await LogPersistence.open(dataDir!, '127.0.0.1:1', { compactMinBytes: Number(compactMinBytes) })
await store.load()
let seq = BigInt(firstSeq!)
process.stdout.write('ready\n')
await Promise.all(
  Array.from({ length: 16 }, async (_, loop) => {
    for (;;) {
      const token = `K${loop}`
      const mine = seq++
      await store.save([{ token, ts: { seq: mine, epoch: 1n }, value: { kind: 'empty' } }])
      process.stdout.write(`ack ${token} ${mine}\n`)
    }
  }),
)
