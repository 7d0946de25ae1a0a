import { StateMachine } from './state-machine';

export const SUPPLIER_STATUSES = ['pending', 'approved', 'rejected', 'suspended'] as const;
export type SupplierStatus = (typeof SUPPLIER_STATUSES)[number];

export type SupplierAction = 'apply' | 'seed' | 'approve' | 'reject' | 'suspend' | 'reinstate';

/** A company applies; a platform admin approves (creating its organization and first staff account) or rejects it. */
export const SUPPLIER_LIFECYCLE = new StateMachine<SupplierStatus, SupplierAction>('supplier', SUPPLIER_STATUSES, [
  { action: 'apply', from: [null], to: 'pending', by: ['applicant'] },
  { action: 'seed', from: [null], to: 'approved', by: ['system'] },
  { action: 'approve', from: ['pending'], to: 'approved', by: ['platform_admin'] },
  { action: 'reject', from: ['pending'], to: 'rejected', by: ['platform_admin'], reasonRequired: true },
  // hides every product of the supplier until it is reinstated
  { action: 'suspend', from: ['approved'], to: 'suspended', by: ['platform_admin'], reasonRequired: true },
  { action: 'reinstate', from: ['suspended'], to: 'approved', by: ['platform_admin'] },
]);
