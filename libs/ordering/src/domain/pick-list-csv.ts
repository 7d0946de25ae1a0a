import { toCsv } from '@huigong/common';

/**
 * The supplier's pick-and-pack list as CSV (RFC 4180, CRLF, UTF-8 with a BOM so Excel opens the
 * Chinese text correctly); formula-like cells are neutralised by the shared writer in common.
 */
export const PICK_LIST_HEADER = [
  'order_id',
  'placed_at',
  'state',
  'recipient',
  'phone',
  'region_code',
  'address',
  'line_no',
  'sku_id',
  'product_name',
  'spec',
  'quantity',
  'unit_price_fen',
  'amount_fen',
  'note',
] as const;

export type PickListRow = Record<(typeof PICK_LIST_HEADER)[number], string | number | null>;

export function pickListCsv(rows: PickListRow[]): string {
  return toCsv(PICK_LIST_HEADER, rows);
}
