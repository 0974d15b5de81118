import test from 'ava'
import { sha256 } from '../../../src/core/hash/sha256-argmin.js'
import { ReplicationScheme, type TokenScheme } from '../../../src/core/scheme/replication-scheme.js'
import { schemeFingerprint } from '../../../src/plugins/grpc/grpc-module.js'

const NODES = ['127.0.0.1:50051', '127.0.0.1:50052', 'localhost:50053']
const entries: TokenScheme[] = ['b', '10', '9', 'a', 'B', '1', 'Z', 'z-1', 'a.b', 'a_b', 'a:b'].map((token, i) => ({
  token,
  writer: NODES[i % 3]!,
  readers: NODES,
}))

/** The fingerprint as the previous build computed it: a comparator sort and the pure-TypeScript SHA-256. */
function previousFingerprint(list: readonly TokenScheme[]): string {
  const text = JSON.stringify(
    [...list]
      .sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0))
      .map((e) => [e.token, e.writer, e.readers]),
  )
  return Buffer.from(sha256(new TextEncoder().encode(text)))
    .toString('hex')
    .slice(0, 16)
}

test('the fingerprint is the one earlier builds compute, whatever the order of the tokens', (t) => {
  const fingerprint = schemeFingerprint(new ReplicationScheme(entries))
  t.is(fingerprint, previousFingerprint(entries), 'nodes of this build and the previous one agree on a scheme')
  t.is(schemeFingerprint(new ReplicationScheme([...entries].reverse())), fingerprint)
  t.regex(fingerprint, /^[0-9a-f]{16}$/)
})

test('different schemes differ; one scheme is fingerprinted once and gives the same answer again', (t) => {
  const scheme = new ReplicationScheme(entries)
  const other = new ReplicationScheme(entries.map((e) => (e.token === 'a' ? { ...e, writer: NODES[2]! } : e)))
  t.not(schemeFingerprint(other), schemeFingerprint(scheme))
  t.is(schemeFingerprint(scheme), schemeFingerprint(scheme))
})

test("a scheme whose canonical text spans many hash buffers gives the earlier builds' fingerprint and canonical text", (t) => {
  const many: TokenScheme[] = Array.from({ length: 5_000 }, (_, i) => ({
    token: `t${i}`,
    writer: NODES[i % 3]!,
    readers: i % 2 === 0 ? NODES : [NODES[i % 3]!],
  }))
  const scheme = new ReplicationScheme(many)
  t.is(schemeFingerprint(scheme), previousFingerprint(many))
  t.is(
    scheme.canonical(),
    JSON.stringify([...many].sort((a, b) => (a.token < b.token ? -1 : 1)).map((e) => [e.token, e.writer, e.readers])),
  )
})
