import { SessionTerminator, type SessionEndOrder } from '../../../src/session/session-terminator';

/** Records every order; ends the session (true), finds it gone (false) or fails, as told. */
export class FakeSessionTerminator extends SessionTerminator {
  readonly orders: SessionEndOrder[] = [];
  private result: boolean | Error = true;

  findsSessionsGone(): this {
    this.result = false;
    return this;
  }

  fails(error: Error): this {
    this.result = error;
    return this;
  }

  end(order: SessionEndOrder): Promise<boolean> {
    this.orders.push(order);
    return this.result instanceof Error ? Promise.reject(this.result) : Promise.resolve(this.result);
  }
}
