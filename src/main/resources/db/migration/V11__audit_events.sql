-- The audit trail: append-only and hash-chained. Each event stores the hash of the event
-- before it (prev_hash) and its own hash over prev_hash and its fields, so that a changed,
-- removed or inserted row breaks the chain (portcullis audit verify; GET /admin/audit/verify).
-- audit_head holds the last sequence number and hash: cutting rows off the end is detected too.
CREATE TABLE audit_events (
  seq               BIGINT        PRIMARY KEY,
  id                VARCHAR(64)   NOT NULL,
  ts                BIGINT        NOT NULL,
  phase             VARCHAR(16)   NOT NULL,
  surface           VARCHAR(16)   NOT NULL,
  action            VARCHAR(64),
  principal         VARCHAR(200),
  principal_kind    VARCHAR(32),
  key_id            VARCHAR(64),
  persona           VARCHAR(200),
  client_app        VARCHAR(200),
  client_ip         VARCHAR(64),
  target            VARCHAR(300),
  arguments         TEXT,
  decision          VARCHAR(16)   NOT NULL,
  reason            TEXT,
  policy_id         VARCHAR(200),
  guard_findings    VARCHAR(500),
  outcome           VARCHAR(64),
  status            INTEGER,
  latency_ms        BIGINT,
  prompt_tokens     BIGINT,
  completion_tokens BIGINT,
  cost_nanos        BIGINT,
  trace_id          VARCHAR(32),
  session_id        VARCHAR(128),
  request_id        VARCHAR(64),
  prev_hash         VARCHAR(64)   NOT NULL,
  hash              VARCHAR(64)   NOT NULL
);
CREATE INDEX audit_events_ts ON audit_events (ts);
CREATE INDEX audit_events_principal_ts ON audit_events (principal, ts);
CREATE INDEX audit_events_id ON audit_events (id);

CREATE TABLE audit_head (
  id    INTEGER     PRIMARY KEY,
  seq   BIGINT      NOT NULL,
  hash  VARCHAR(64) NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
