import { packageRoot } from '../../src/plugins/grpc/package-root.js'

/** The package root, found from here whether running from test/ sources or the dist/ build. */
export function repoRoot(): string {
  return packageRoot()
}
