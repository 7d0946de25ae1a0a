// The trace part of the audit context, re-exported by libs/audit/src/index.ts; AuditModule imports AuditTraceModule.
export { AuditTraceModule } from './audit-trace.module';
export { MEMBER_TRACE_MAX_ORDERS, MemberTraceService } from './member-trace.service';
export { OrderTraceService } from './order-trace.service';
export type { MemberTraceView, OrderTraceView, TraceEntry } from './trace-views';
