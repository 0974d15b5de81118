import { ContainerModule } from 'inversify'
import { Clock } from '../../core/ports/clock.js'
import { SystemClock } from './system-clock.js'

export const systemClockModule = new ContainerModule(({ bind }) => {
  bind<Clock>(Clock).to(SystemClock).inSingletonScope()
})
