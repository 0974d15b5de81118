import { ContainerModule } from 'inversify'
import { Clock } from '../../core/ports/clock.js'
import { Tracer } from '../../core/ports/tracer.js'
import { RecordingTracer, type SpanSink } from './recording-tracer.js'
import { TraceRing, type TraceRingBounds } from './trace-ring.js'

/**
 * Binds the node's Tracer: a RecordingTracer keeping spans in a ring bounded by `bounds`, recording `ratio` of
 * the operations no caller asked about, and exporting to the sink `sink` makes, if any (made when the node is
 * built, so that a node never started opens no exporter).
 */
export function tracingModule(
  node: string,
  bounds: TraceRingBounds,
  ratio: number,
  sink?: () => SpanSink,
): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<Tracer>(Tracer)
      .toDynamicValue((ctx) => {
        const clock = ctx.get<Clock>(Clock)
        const wallOffsetMs = (clock.wallMs?.() ?? Date.now()) - clock.nowMs()
        const ring = new TraceRing(bounds)
        return new RecordingTracer({ node, wallOffsetMs, ratio, ring, ...(sink && { sink: sink() }) })
      })
      .inSingletonScope()
  })
}
