import { Injectable } from '@nestjs/common';
import { WakeableDelay } from '@app/messaging';

/**
 * Lets the dispatcher wake the escalation loop when a notice's delivery has just failed for
 * good, without either depending on the other.
 */
@Injectable()
export class EscalationTrigger {
  private readonly delay = new WakeableDelay();

  wake(): void {
    this.delay.wake();
  }

  wait(ms: number): Promise<void> {
    return this.delay.wait(ms);
  }
}
