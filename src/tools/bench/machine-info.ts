import { readFileSync } from 'node:fs'
import { availableParallelism, cpus } from 'node:os'

export interface MachineInfo {
  readonly cpus: number
  readonly cpuModel: string
  readonly node: string
  readonly platform: string
}

/** What the numbers were measured on: `nproc`, the CPU model of /proc/cpuinfo, the node version. */
export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown'
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'))
    if (line !== undefined) cpuModel = line.split(':')[1]!.trim()
  } catch {
    // not Linux: keep os.cpus()'s model
  }
  return {
    cpus: availableParallelism(),
    cpuModel,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  }
}
