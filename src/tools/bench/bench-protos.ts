import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import { join } from 'node:path'
import { packageRoot } from '../../plugins/grpc/package-root.js'
import { LOADER_OPTIONS } from '../../plugins/grpc/proto.js'

/** A service constructor from a .proto under proto/ at the package root (the benchmark's own: etcd subset, echo). */
export function loadService(file: string, path: readonly string[]): grpc.ServiceClientConstructor {
  const definition = protoLoader.loadSync(file, { ...LOADER_OPTIONS, includeDirs: [join(packageRoot(), 'proto')] })
  let node: unknown = grpc.loadPackageDefinition(definition)
  for (const part of path) node = (node as Record<string, unknown>)[part]
  if (typeof node !== 'function') throw new Error(`${path.join('.')} not found in ${file}`)
  return node as grpc.ServiceClientConstructor
}

export const etcdKvService = (): grpc.ServiceClientConstructor =>
  loadService('etcd/kv_subset.proto', ['etcdserverpb', 'KV'])
export const echoService = (): grpc.ServiceClientConstructor => loadService('bench/echo.proto', ['bench', 'v1', 'Echo'])
