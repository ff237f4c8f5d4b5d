"""Durable state: approvals, audit log, opt-outs, idempotency keys, send counters."""
