import { status } from '@grpc/grpc-js'
import test from 'ava'
import { UsageError } from 'clipanion'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { securityWithFlags } from '../../../src/bin/server/tls-flags.js'
import { InvalidArgumentError } from '../../../src/core/errors.js'
import { ClusterAuthorizer } from '../../../src/plugins/tls/cluster-authorizer.js'
import { ClusterTls } from '../../../src/plugins/tls/cluster-tls.js'
import { hostOf } from '../../../src/plugins/tls/secure-dial.js'
import { makeTestCerts, nodeCertName } from '../../support/test-certs.js'

const NODES = ['127.0.0.1:50051', '127.0.0.1:50052']
let dir: string

test.before(async () => {
  dir = await makeTestCerts(NODES)
})

test.after.always(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

const securityOf = (name: string) => ({
  ca: join(dir, 'ca.pem'),
  cert: join(dir, `${name}.pem`),
  key: join(dir, `${name}-key.pem`),
  clientCerts: 'optional' as const,
})

test('replica calls need a verified certificate naming a node; admin calls any cluster certificate; the rest none', (t) => {
  const authorizer = new ClusterAuthorizer(new Set(NODES))
  const exchange = '/tokenmanager.v1.ReplicaService/Exchange'
  const status_ = '/tokenmanager.v1.AdminService/Status'
  t.is(authorizer.decide(exchange, undefined)?.code, status.UNAUTHENTICATED)
  t.is(authorizer.decide(exchange, 'admin')?.code, status.PERMISSION_DENIED)
  t.is(authorizer.decide(exchange, NODES[0]), undefined)
  t.is(authorizer.decide(status_, undefined)?.code, status.UNAUTHENTICATED)
  t.is(authorizer.decide(status_, 'admin'), undefined)
  t.is(authorizer.decide('/tokenmanager.v1.TokenService/Read', undefined), undefined)
  t.is(authorizer.decide('/grpc.health.v1.Health/Check', undefined), undefined)
})

test('a replica batch must claim the node its connection authenticated as', (t) => {
  const authorizer = new ClusterAuthorizer(new Set(NODES))
  t.is(authorizer.checkSender(NODES[0], NODES[0]), undefined)
  t.is(authorizer.checkSender(NODES[0], NODES[1])?.code, status.PERMISSION_DENIED)
})

test('a node refuses to start with a certificate naming another node', (t) => {
  t.notThrows(() => ClusterTls.load(securityOf(nodeCertName(NODES[0]!)), NODES[0]!, NODES))
  const error = t.throws(() => ClusterTls.load(securityOf(nodeCertName(NODES[1]!)), NODES[0]!, NODES), {
    instanceOf: InvalidArgumentError,
  })
  t.regex(error?.message ?? '', /is for CN=127\.0\.0\.1:50052, not for this node 127\.0\.0\.1:50051/)
})

test('tm-server --tls-* flags override the settings file one file at a time, and go together without one', (t) => {
  const fromFile = securityOf(nodeCertName(NODES[0]!))
  t.is(securityWithFlags({ ca: undefined, cert: undefined, key: undefined }, fromFile), fromFile)
  t.is(securityWithFlags({ ca: undefined, cert: undefined, key: undefined }, undefined), undefined)
  t.deepEqual(securityWithFlags({ ca: undefined, cert: '/x/n.pem', key: undefined }, fromFile), {
    ...fromFile,
    cert: '/x/n.pem',
  })
  t.throws(() => securityWithFlags({ ca: '/x/ca.pem', cert: undefined, key: undefined }, undefined), {
    instanceOf: UsageError,
  })
})

test('the host of an access point, IPv6 without brackets', (t) => {
  t.is(hostOf('127.0.0.1:50051'), '127.0.0.1')
  t.is(hostOf('localhost:50051'), 'localhost')
  t.is(hostOf('[::1]:50051'), '::1')
})
