import { Injectable, Logger } from '@nestjs/common';

export interface ActivationNotice {
  memberId: string;
  phone: string;
  name: string;
  unionName: string;
  code: string;
  expiresAt: Date;
}

/** How activation codes reach members (an SMS gateway in production). Bind ACTIVATION_NOTIFIER to replace it. */
export interface ActivationNotifier {
  sendActivationCode(notice: ActivationNotice): Promise<void>;
}

export const ACTIVATION_NOTIFIER = Symbol('ACTIVATION_NOTIFIER');

export function maskPhone(phone: string): string {
  return phone.length === 11 ? `${phone.slice(0, 3)}****${phone.slice(7)}` : '***';
}

/**
 * The development notifier: writes the code to the log (in the message text, which the log
 * redaction of `activationCode` fields does not touch, so a developer can activate the member).
 */
@Injectable()
export class LoggingActivationNotifier implements ActivationNotifier {
  private readonly logger = new Logger('ActivationNotifier');
  readonly sent: ActivationNotice[] = [];

  async sendActivationCode(n: ActivationNotice): Promise<void> {
    this.logger.log(`[dev notifier] SMS to ${maskPhone(n.phone)} (${n.name}, ${n.unionName}): activation code ${n.code}, valid until ${n.expiresAt.toISOString()}`);
    this.sent.push(n);
    if (this.sent.length > 1000) this.sent.shift();
  }
}
