import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import { join } from 'node:path'
import { packageRoot } from './package-root.js'

/** Loader options: uint64 as decimal strings (never JS numbers), snake_case fields as in the .proto. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
}

export const PROTO_FILE = 'tokenmanager/v1/token_manager.proto'

export interface TokenManagerPackage {
  TokenService: grpc.ServiceClientConstructor
  ReplicaService: grpc.ServiceClientConstructor
  AdminService: grpc.ServiceClientConstructor
}

let cached: TokenManagerPackage | undefined
let definition: protoLoader.PackageDefinition | undefined

/** The loaded package definition (for server reflection). */
export function tokenManagerDefinition(): protoLoader.PackageDefinition {
  definition ??= protoLoader.loadSync(PROTO_FILE, { ...LOADER_OPTIONS, includeDirs: [join(packageRoot(), 'proto')] })
  return definition
}

/** The tokenmanager.v1 package, loaded once from proto/ at the package root. */
export function loadTokenManagerPackage(): TokenManagerPackage {
  if (cached !== undefined) return cached
  const loaded = grpc.loadPackageDefinition(tokenManagerDefinition()) as unknown as {
    tokenmanager: { v1: TokenManagerPackage }
  }
  cached = loaded.tokenmanager.v1
  return cached
}
