package dev.portcullis.audit;

/** What the audit trail exports: events, and the signed checkpoints that anchor their chain. */
public sealed interface AuditRecord permits AuditEvent, Checkpoint {}
