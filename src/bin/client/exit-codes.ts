/*
 * tm-client exit codes: one per class of failure, so scripts can branch without parsing messages.
 *
 *   0  success
 *   1  any other failure (INTERNAL, UNKNOWN, CANCELLED, ...)
 *   2  bad input: a usage error, a bad config file, an argument rejected locally before sending (every binary's
 *      code for input it checked itself), or INVALID_ARGUMENT from the node
 *   3  outcome unknown: a write, create or drop hit its deadline; it may or may not have taken effect
 *   4  not found: NOT_FOUND (token dropped or never created), or a token missing from the scheme file
 *   5  already exists: ALREADY_EXISTS (create of a live token)
 *   6  wrong node: FAILED_PRECONDITION, the node is not the token's writer/reader; the message names the right ones
 *   7  no answer: a read hit DEADLINE_EXCEEDED, or UNAVAILABLE (no node answered), on every node tried
 *   8  overloaded: RESOURCE_EXHAUSTED, the node's queue is full; retry later
 *   9  not authorized: UNAUTHENTICATED or PERMISSION_DENIED, a secured node wants a cluster certificate
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  invalidArgument: 2,
  outcomeUnknown: 3,
  notFound: 4,
  alreadyExists: 5,
  wrongNode: 6,
  noAnswer: 7,
  overloaded: 8,
  notAuthorized: 9,
} as const

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** The table above as `tm-client --help` prints it. */
export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  another failure
  2  bad input: usage, config file, or an argument checked locally (or INVALID_ARGUMENT from the node)
  3  outcome unknown: a write/create/drop hit its deadline and may or may not have taken effect
  4  not found (NOT_FOUND, or the token is not in the scheme file)
  5  already exists (ALREADY_EXISTS)
  6  wrong node (FAILED_PRECONDITION): not the token's writer/reader; the message names the right nodes
  7  no answer: a read hit DEADLINE_EXCEEDED, or UNAVAILABLE, on every node tried
  8  overloaded (RESOURCE_EXHAUSTED): retry later
  9  not authorized (UNAUTHENTICATED, PERMISSION_DENIED): give a cluster certificate (--tls-cert, --tls-key)
`

/** One line for each command's --help: clipanion reflows it as a paragraph. */
export const EXIT_CODES_SHORT =
  'Exit codes: 0 ok, 1 usage/other, 2 invalid argument, 3 outcome unknown, 4 not found, ' +
  '5 already exists, 6 wrong node, 7 no answer, 8 overloaded, 9 not authorized (details in `tm-client --help`).'
