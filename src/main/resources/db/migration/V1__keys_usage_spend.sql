-- Portable between SQLite and PostgreSQL: times are epoch milliseconds, money is in
-- billionths of a US dollar (nanos), booleans are 0/1.
CREATE TABLE teams (
  id            VARCHAR(64)  PRIMARY KEY,
  name          VARCHAR(200) NOT NULL UNIQUE,
  budget_nanos  BIGINT,
  budget_period VARCHAR(16),
  metadata      TEXT,
  created_at    BIGINT       NOT NULL
);

CREATE TABLE virtual_keys (
  id            VARCHAR(64)  PRIMARY KEY,
  name          VARCHAR(200) NOT NULL UNIQUE,
  key_hash      VARCHAR(64)  NOT NULL UNIQUE,
  key_prefix    VARCHAR(32)  NOT NULL,
  team_id       VARCHAR(64),
  owner         VARCHAR(200),
  models        TEXT,
  rpm           INTEGER,
  tpm           BIGINT,
  max_parallel  INTEGER,
  budget_nanos  BIGINT,
  budget_period VARCHAR(16),
  expires_at    BIGINT,
  metadata      TEXT,
  disabled      INTEGER      NOT NULL DEFAULT 0,
  created_at    BIGINT       NOT NULL,
  updated_at    BIGINT       NOT NULL
);

CREATE TABLE usage_records (
  request_id        VARCHAR(64)  NOT NULL,
  ts                BIGINT       NOT NULL,
  key_id            VARCHAR(64),
  team_id           VARCHAR(64),
  model             VARCHAR(200) NOT NULL,
  deployment        VARCHAR(200),
  provider          VARCHAR(64),
  endpoint          VARCHAR(64),
  stream            INTEGER      NOT NULL,
  status            INTEGER      NOT NULL,
  outcome           VARCHAR(64),
  prompt_tokens     BIGINT       NOT NULL,
  completion_tokens BIGINT       NOT NULL,
  cached_tokens     BIGINT       NOT NULL,
  reasoning_tokens  BIGINT       NOT NULL,
  usage_estimated   INTEGER      NOT NULL,
  cost_nanos        BIGINT       NOT NULL,
  latency_ms        BIGINT       NOT NULL
);
CREATE INDEX usage_records_ts ON usage_records (ts);
CREATE INDEX usage_records_key_ts ON usage_records (key_id, ts);
CREATE INDEX usage_records_team_ts ON usage_records (team_id, ts);

-- Spend per key and team per period, updated in the same transaction as the usage batch, so
-- a restarted gateway knows what was spent without summing the usage table.
CREATE TABLE spend (
  scope        VARCHAR(8)  NOT NULL,
  subject_id   VARCHAR(64) NOT NULL,
  period       VARCHAR(8)  NOT NULL,
  period_start BIGINT      NOT NULL,
  cost_nanos   BIGINT      NOT NULL,
  tokens       BIGINT      NOT NULL,
  requests     BIGINT      NOT NULL,
  PRIMARY KEY (scope, subject_id, period, period_start)
);
