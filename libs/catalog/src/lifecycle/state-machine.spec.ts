import { AppError } from '@huigong/common';
import { PRODUCT_LIFECYCLE, PRODUCT_STATUSES, ProductStatus } from './product-lifecycle';
import { StateMachine } from './state-machine';
import { SUPPLIER_LIFECYCLE } from './supplier-lifecycle';

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a refusal');
}

describe('StateMachine', () => {
  it('refuses declarations naming unknown states or repeating an action', () => {
    expect(() => new StateMachine('x', ['a'] as const, [{ action: 'go', from: ['a'], to: 'b' as 'a', by: ['system'] }])).toThrow(/unknown state b/);
    expect(
      () =>
        new StateMachine('x', ['a', 'b'] as const, [
          { action: 'go', from: ['a'], to: 'b', by: ['system'] },
          { action: 'go', from: ['b'], to: 'a', by: ['system'] },
        ]),
    ).toThrow(/declared twice/);
  });

  it('plans the declared product lifecycle', () => {
    expect(PRODUCT_LIFECYCLE.plan('submit', 'draft', 'supplier')).toEqual({ action: 'submit', from: 'draft', to: 'pending_review', reason: null });
    expect(PRODUCT_LIFECYCLE.plan('approve', 'pending_review', 'platform_admin').to).toBe('active');
    expect(PRODUCT_LIFECYCLE.plan('reject', 'pending_review', 'platform_admin', ' 图片不清晰 ').reason).toBe('图片不清晰');
    expect(PRODUCT_LIFECYCLE.plan('revise', 'active', 'supplier').to).toBe('pending_review');
    expect(PRODUCT_LIFECYCLE.plan('create', null, 'supplier').to).toBe('draft');
  });

  it('refuses the wrong actor (403), the wrong state (409) and a missing reason (400)', () => {
    expect(refusal(() => PRODUCT_LIFECYCLE.plan('approve', 'pending_review', 'supplier'))).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect(refusal(() => PRODUCT_LIFECYCLE.plan('approve', 'draft', 'platform_admin'))).toMatchObject({
      code: 'INVALID_TRANSITION',
      status: 409,
      details: { status: 'draft', allowedFrom: ['pending_review'] },
    });
    expect(refusal(() => PRODUCT_LIFECYCLE.plan('reject', 'pending_review', 'platform_admin', '  '))).toMatchObject({ code: 'REASON_REQUIRED', status: 400 });
    expect(refusal(() => SUPPLIER_LIFECYCLE.plan('suspend', 'approved', 'platform_admin'))).toMatchObject({ code: 'REASON_REQUIRED' });
    expect(refusal(() => SUPPLIER_LIFECYCLE.plan('reinstate', 'approved', 'platform_admin'))).toMatchObject({ code: 'INVALID_TRANSITION' });
  });

  it('lets nobody but the system list a product without review', () => {
    const direct = PRODUCT_STATUSES.filter((s) => s !== 'pending_review').flatMap((from) =>
      (['supplier', 'platform_admin', 'applicant'] as const).flatMap((actor) =>
        PRODUCT_LIFECYCLE.allowed(from as ProductStatus, actor).filter((a) => PRODUCT_LIFECYCLE.rule(a).to === 'active'),
      ),
    );
    expect(direct).toEqual([]);
    expect(PRODUCT_LIFECYCLE.allowed(null, 'system')).toEqual(['seed']);
  });
});
