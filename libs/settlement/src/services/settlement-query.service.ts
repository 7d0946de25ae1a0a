import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { OrderSettlementView } from '../domain/settlement-views';
import { StatementReader } from './statement-reader.service';

/** The settlement context's face for other contexts (audit traces). No scoping: callers decide. */
@Injectable()
export class SettlementQueryService {
  constructor(private readonly reader: StatementReader) {}

  /** The statement an order was settled on, its line and the payout, or null while unsettled. */
  async forOrder(orderId: string, em?: EntityManager): Promise<OrderSettlementView | null> {
    const found = await this.reader.lineForOrder(orderId, em);
    if (!found) return null;
    const statement = (await this.reader.summary(found.statementId, em))!;
    return { statement, line: found.line, payout: await this.reader.payout(found.statementId, em) };
  }
}
