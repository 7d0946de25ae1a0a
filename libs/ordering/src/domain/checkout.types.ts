import type { OrderState } from './order-state-machine';
import type { OrderAddress } from './order-views';
import type { AddressInput } from '../services/addresses.service';

export interface CheckoutInput {
  lines: { skuId: string; quantity: number }[];
  /** a saved address, or a new one (which is then kept among the saved addresses) */
  addressId?: string;
  address?: AddressInput;
  note?: string;
}

export interface CheckoutGrantPayment {
  grantAccountId: string;
  campaignId: string;
  campaignName: string;
  closesAt: string;
  amountFen: number;
}

export interface PlacedOrder {
  id: string;
  state: OrderState;
  supplierId: string;
  supplierOrganizationId: string;
  totalFen: number;
  itemCount: number;
  escrowAccountId: string;
  lines: { id: string; lineNo: number; skuId: string; productId: string; productName: string; spec: string; categoryId: string; unitPriceFen: number; quantity: number; amountFen: number }[];
  payments: { grantAccountId: string; campaignId: string; amountFen: number }[];
}

export interface CheckoutResult {
  checkoutId: string;
  placedAt: string;
  totalFen: number;
  address: OrderAddress;
  orders: PlacedOrder[];
  /** the points taken from each grant, earliest-closing first */
  payments: CheckoutGrantPayment[];
  ledgerEntry: { id: string; kind: string; reference: string; hash: string | null; createdAt: string };
}
