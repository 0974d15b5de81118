import { ContainerModule } from 'inversify'
import { FailureInjector } from '../../core/ports/failure-injector.js'
import { ScheduledFailureInjector } from './scheduled-failure-injector.js'

/** Binds a ScheduledFailureInjector; the node schedules its settings' fail-silent events on it at start. */
export const failureModule = new ContainerModule(({ bind }) => {
  bind<FailureInjector>(FailureInjector).to(ScheduledFailureInjector).inSingletonScope()
})
