import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { BehaviorSubject, Observable } from 'rxjs';

/**
 * Whether the agent takes new work. Set by the app once every listener is up,
 * cleared as soon as shutdown starts, so probes see NOT_SERVING while in-flight
 * calls are still finishing and load balancers stop sending new ones.
 */
@Injectable()
export class ServingState implements BeforeApplicationShutdown {
  private readonly serving$ = new BehaviorSubject<boolean>(false);

  get serving(): boolean {
    return this.serving$.value;
  }

  changes(): Observable<boolean> {
    return this.serving$.asObservable();
  }

  markServing(): void {
    this.serving$.next(true);
  }

  beforeApplicationShutdown(): void {
    this.serving$.next(false);
    this.serving$.complete();
  }
}
