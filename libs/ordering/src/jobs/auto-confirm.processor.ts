import { JobWorkers, QUEUES } from '@huigong/common';
import { Injectable, Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { OrderAction } from '../domain/order-state-machine';
import { AUTO_CONFIRM_JOB, OrderTransitionService } from '../services/order-transition.service';

/**
 * Order timers (worker process): `auto-confirm` completes a delivered order nobody confirmed within
 * AUTO_CONFIRM_DAYS days. Idempotent: an order no longer delivered (confirmed, or the job redelivered)
 * is left alone. Enqueued through the outbox when the order is marked delivered.
 */
@Injectable()
export class AutoConfirmProcessor {
  private readonly logger = new Logger(AutoConfirmProcessor.name);

  constructor(
    private readonly transitions: OrderTransitionService,
    workers: JobWorkers,
  ) {
    workers.register(QUEUES.orderTimers, (job) => this.process(job), 4);
  }

  async process(job: Job<{ orderId?: string }>): Promise<unknown> {
    switch (job.name) {
      case AUTO_CONFIRM_JOB: {
        const orderId = job.data.orderId;
        if (!orderId) return { ignored: 'no orderId' };
        const done = await this.transitions.applyIfApplicable({ kind: 'system', user: null }, orderId, OrderAction.AutoConfirm);
        return { orderId, completed: done };
      }
      default:
        this.logger.warn(`unknown order timer job ${job.name}`);
        return { ignored: true };
    }
  }
}
