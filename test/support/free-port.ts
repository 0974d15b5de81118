import { freePorts } from '../../src/node/free-ports.js'

/** `count` distinct free 127.0.0.1 access points (the same helper the benchmarks and the chaos run use). */
export async function freeAddresses(count: number): Promise<string[]> {
  return (await freePorts(count)).map((p) => `127.0.0.1:${p}`)
}
