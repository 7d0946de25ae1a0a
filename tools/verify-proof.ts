#!/usr/bin/env node
// Standalone verifier for a Huigong ledger entry proof (the JSON a receipt carries).
//
//   node dist/tools/verify-proof.js proof.json
//   npx ts-node -r tsconfig-paths/register tools/verify-proof.ts proof.json
//
// Exit codes: 0 the proof verifies, 1 it does not, 2 bad arguments or an unreadable file.
// The sealing code is imported by relative path so this needs no NestJS, database or config.
import { readFileSync } from 'node:fs';
import { EntryProof, verifyEntryProof } from '../libs/ledger/src/sealing';

const USAGE = `usage: verify-proof <proof.json>

Checks a Huigong ledger entry proof: the entry hash, its Merkle path to the block root,
the block hash and every block header up to the chain head. Compare the printed head hash
with one you trust (e.g. the published chain head) to complete the audit.

exit codes: 0 verified, 1 verification failed, 2 usage error or unreadable file`;

export function main(args: readonly string[], out: (line: string) => void, err: (line: string) => void): number {
  if (args.length !== 1 || args[0].startsWith('-')) {
    err(USAGE);
    return 2;
  }
  let proof: unknown;
  try {
    proof = JSON.parse(readFileSync(args[0], 'utf8'));
  } catch (e) {
    err(`cannot read proof ${args[0]}: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  const verdict = verifyEntryProof(proof as EntryProof);
  if (!verdict.ok) {
    out(`FAILED: ${verdict.reason}`);
    return 1;
  }
  // Fields are known to be well formed once verification succeeded.
  const p = proof as EntryProof;
  out(`OK: entry ${p.entry.id} is in block ${p.block.height}, chained to head ${p.head.height} ${p.head.hash}`);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(
    process.argv.slice(2),
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  );
}
