import { TransactionRunner } from '@huigong/common';
import { Injectable } from '@nestjs/common';
import type { PostedEntry, PostEntryInput } from '../model/ledger.types';
import { PostEntriesService } from './post-entries.service';

interface Waiting {
  input: PostEntryInput;
  resolve(entry: PostedEntry): void;
  reject(error: unknown): void;
}

const MAX_GROUP = 1000;
const MAX_IN_FLIGHT = 2;

/**
 * Group commit for postings that are a business event of their own, with no business row to write
 * in the same transaction (an auditor's correcting entry, a settlement payout recorded by a job, an
 * import): concurrent calls wait while a transaction is in flight and then go together, in one
 * transaction and one round trip (ledger_post_entries). Each call still gets its own outcome: a
 * refused entry rejects only its caller, and nothing of it is written. The promise resolves after
 * the commit. Use LedgerService.post inside your own transaction when you have rows of your own.
 */
@Injectable()
export class GroupCommitPoster {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;

  constructor(
    private readonly tx: TransactionRunner,
    private readonly posting: PostEntriesService,
  ) {}

  post(input: PostEntryInput): Promise<PostedEntry> {
    return new Promise<PostedEntry>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.waiting.length) {
      const group = this.waiting.splice(0, MAX_GROUP);
      this.inFlight++;
      void this.commit(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async commit(group: Waiting[]): Promise<void> {
    try {
      // retried as a whole on serialization failures and deadlocks: outcomes are handed out only after the commit
      const outcomes = await this.tx.run((em) => this.posting.postGroup(em, group.map((g) => g.input)));
      outcomes.forEach((o, i) => ('entry' in o ? group[i].resolve(o.entry) : group[i].reject(o.error)));
    } catch (err) {
      group.forEach((g) => g.reject(err));
    }
  }
}
