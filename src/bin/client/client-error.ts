import type { ExitCode } from './exit-codes.js'

/** A failure the client itself concludes (outcome unknown, no reader answered), with the exit code it means. */
export class ClientError extends Error {
  override readonly name = 'ClientError'

  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly status?: string,
  ) {
    super(message)
  }
}
