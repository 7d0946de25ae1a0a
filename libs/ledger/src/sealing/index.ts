// Tamper evidence for the ledger: canonical encoding, RFC 6962 Merkle trees, entry proofs.
// Pure code (node:crypto only) so tools/verify-proof.ts can use it standalone.
export * from './canonical-encoding';
export * from './merkle';
export * from './proof';
