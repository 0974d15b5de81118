import { readFileSync } from 'node:fs'

/** Clock ticks per second of /proc/<pid>/stat times: USER_HZ, 100 on every Linux this runs on. */
const TICKS_PER_SEC = 100

/**
 * CPU time (user + system) used so far by processes `pids`, in ms, from /proc (10 ms resolution); 0 where /proc is
 * missing. CPU per operation stays meaningful on a busy shared machine, where throughput does not.
 */
export function processesCpuMs(pids: readonly number[]): number {
  let ticks = 0
  for (const pid of pids) {
    try {
      // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      // exited or not Linux
    }
  }
  return (ticks * 1_000) / TICKS_PER_SEC
}

/** This process's CPU time so far in ms. */
export function selfCpuMs(): number {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1_000
}
