import { ContainerModule } from 'inversify'
import { Metrics } from '../../core/ports/metrics.js'
import { PrometheusMetrics } from './prometheus-metrics.js'

/**
 * Binds Metrics to one PrometheusMetrics for `node`, and PrometheusMetrics itself to the same instance so the
 * composition root can hand it to a MetricsServer. `tokens` are the node's token ids in scheme order (the first MAX_TOKEN_LABELS label their own series).
 */
export function prometheusMetricsModule(node: string, tokens: Iterable<string>): ContainerModule {
  const metrics = new PrometheusMetrics(node, tokens)
  return new ContainerModule(({ bind }) => {
    bind<Metrics>(Metrics).toConstantValue(metrics)
    bind(PrometheusMetrics).toConstantValue(metrics)
  })
}
