import * as protoLoader from '@grpc/proto-loader'
import { protoPath as healthProtoPath } from 'grpc-health-check'
import descriptorRoot from 'protobufjs/ext/descriptor/index.js'
import { PROTO_FILE, tokenManagerDefinition } from './proto.js'

interface FileDescriptor {
  name?: string
  package?: string
  dependency?: string[]
}
interface DescriptorType {
  decode(bin: Uint8Array): FileDescriptor
  encode(file: FileDescriptor): { finish(): Uint8Array }
}

const FileDescriptorProto = (descriptorRoot as unknown as { FileDescriptorProto: DescriptorType }).FileDescriptorProto

/** Each package's file by the path clients look it up by (grpcurl, Postman): the .proto's real name, not proto-loader's. */
const REAL_FILE_NAMES: Readonly<Record<string, string>> = {
  'tokenmanager.v1': PROTO_FILE,
  'grpc.health.v1': 'grpc/health/v1/health.proto',
}

/**
 * What server reflection describes: our services and the standard Health service, each in a file named as the
 * .proto really is. proto-loader names every file after its package (`tokenmanager_v1.proto`), so a lookup by
 * the real path would fail; the names and the dependencies that point at them are rewritten here.
 */
export function reflectionDefinition(): protoLoader.PackageDefinition {
  const health = protoLoader.loadSync(healthProtoPath, { keepCase: true })
  const merged: protoLoader.PackageDefinition = { ...tokenManagerDefinition(), ...health }
  const rewrite = (bin: Buffer): Buffer => {
    const file = FileDescriptorProto.decode(bin)
    const real = file.package === undefined ? undefined : REAL_FILE_NAMES[file.package]
    if (real !== undefined) file.name = real
    file.dependency = (file.dependency ?? []).map(
      (dep) => REAL_FILE_NAMES[dep.replace(/\.proto$/, '').replace(/_/g, '.')] ?? dep,
    )
    return Buffer.from(FileDescriptorProto.encode(file).finish())
  }
  // proto-loader gives every type of a package the same list of file descriptors: rewrite each list once, not
  // once per type (about 50 decode/encode rounds less at every start).
  const rewritten = new Map<readonly Buffer[], Buffer[]>()
  const out: protoLoader.PackageDefinition = {}
  for (const [name, definition] of Object.entries(merged)) {
    const protos = (definition as { fileDescriptorProtos?: Buffer[] }).fileDescriptorProtos
    if (protos === undefined) {
      out[name] = definition
      continue
    }
    let files = rewritten.get(protos)
    if (files === undefined) rewritten.set(protos, (files = protos.map(rewrite)))
    out[name] = { ...definition, fileDescriptorProtos: files } as typeof definition
  }
  return out
}
