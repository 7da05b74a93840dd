-- The persona a request acted through (spend per persona lives in the spend table under the
-- scope 'persona', keyed by the persona's name).
ALTER TABLE usage_records ADD COLUMN persona VARCHAR(200);

-- Approvals that policy rules asked for (require_approval) and administrators decide on, shared
-- by every replica. Times: epoch ms; decided_at is 0 while pending.
CREATE TABLE approvals (
  id             VARCHAR(64)  PRIMARY KEY,
  principal      VARCHAR(300) NOT NULL,
  persona        VARCHAR(200),
  action         VARCHAR(64)  NOT NULL,
  server         VARCHAR(200),
  target         TEXT         NOT NULL,
  arguments_hash VARCHAR(64)  NOT NULL,
  summary        TEXT,
  rule           VARCHAR(200),
  reason         TEXT,
  status         VARCHAR(16)  NOT NULL,
  created_at     BIGINT       NOT NULL,
  decided_at     BIGINT       NOT NULL
);
CREATE INDEX approvals_binding ON approvals (principal, arguments_hash);
