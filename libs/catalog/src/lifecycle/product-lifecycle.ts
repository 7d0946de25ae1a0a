import { StateMachine } from './state-machine';

export const PRODUCT_STATUSES = ['draft', 'pending_review', 'active', 'rejected', 'delisted'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

export type ProductAction = 'create' | 'seed' | 'submit' | 'approve' | 'reject' | 'revise' | 'delist' | 'take_down';

/**
 * The product lifecycle, in one place:
 *
 *   draft ──submit──► pending_review ──approve──► active ──delist / take_down──► delisted
 *                        │    ▲                    │                              │
 *                     reject  └──────revise────────┘ (content edited)              │
 *                        ▼                                                         │
 *                     rejected ──submit──► pending_review ◄──────submit────────────┘
 */
export const PRODUCT_LIFECYCLE = new StateMachine<ProductStatus, ProductAction>('product', PRODUCT_STATUSES, [
  { action: 'create', from: [null], to: 'draft', by: ['supplier'] },
  // demo data and benchmarks only: listed straight away
  { action: 'seed', from: [null], to: 'active', by: ['system'] },
  { action: 'submit', from: ['draft', 'rejected', 'delisted'], to: 'pending_review', by: ['supplier'] },
  { action: 'approve', from: ['pending_review'], to: 'active', by: ['platform_admin'] },
  { action: 'reject', from: ['pending_review'], to: 'rejected', by: ['platform_admin'], reasonRequired: true },
  // a listed product whose name, description, images, category or origin change goes back to review
  { action: 'revise', from: ['active'], to: 'pending_review', by: ['supplier'] },
  { action: 'delist', from: ['active', 'pending_review'], to: 'delisted', by: ['supplier'] },
  { action: 'take_down', from: ['active', 'pending_review'], to: 'delisted', by: ['platform_admin'], reasonRequired: true },
]);

/** Statuses in which the supplier may change a product's content without a review transition. */
export const CONTENT_EDITABLE: readonly ProductStatus[] = ['draft', 'rejected', 'delisted'];
