#!/usr/bin/env node
// The echo ceiling of bench:compare: a plain grpc-js unary server that answers every call with its request.
// Usage: node echo-server.js <host:port>; prints "listening <port>" once bound; SIGINT/SIGTERM stop it.
import * as grpc from '@grpc/grpc-js'
import { echoService } from './bench-protos.js'

const address = process.argv[2] ?? '127.0.0.1:0'
const server = new grpc.Server()
server.addService(echoService().service, {
  Echo: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
    callback(null, call.request),
})
server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    process.stderr.write(`echo-server: ${error.message}\n`)
    process.exit(2)
  }
  process.stdout.write(`listening ${port}\n`)
})
const stop = (): void => server.tryShutdown(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
