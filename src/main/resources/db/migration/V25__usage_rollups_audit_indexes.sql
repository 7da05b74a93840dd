-- Usage summed per hour and per day, kept in the same transaction as the usage rows they sum
-- (UsageRollups): reports over whole days and timelines in whole hours read these, not a
-- million usage rows. Empty strings stand for NULL in the key columns, so that the upsert's
-- conflict target matches (NULLs never conflict). latency_sum / requests is the mean latency.
CREATE TABLE usage_hourly (
  bucket            BIGINT       NOT NULL,
  key_id            VARCHAR(64)  NOT NULL,
  team_id           VARCHAR(64)  NOT NULL,
  model             VARCHAR(200) NOT NULL,
  deployment        VARCHAR(200) NOT NULL,
  persona           VARCHAR(200) NOT NULL,
  tool              VARCHAR(300) NOT NULL,
  requests          BIGINT       NOT NULL,
  errors            BIGINT       NOT NULL,
  prompt_tokens     BIGINT       NOT NULL,
  completion_tokens BIGINT       NOT NULL,
  cached_tokens     BIGINT       NOT NULL,
  reasoning_tokens  BIGINT       NOT NULL,
  cost_nanos        BIGINT       NOT NULL,
  latency_sum       BIGINT       NOT NULL,
  latency_max       BIGINT       NOT NULL,
  PRIMARY KEY (bucket, key_id, team_id, model, deployment, persona, tool)
);

CREATE TABLE usage_daily (
  bucket            BIGINT       NOT NULL,
  key_id            VARCHAR(64)  NOT NULL,
  team_id           VARCHAR(64)  NOT NULL,
  model             VARCHAR(200) NOT NULL,
  deployment        VARCHAR(200) NOT NULL,
  persona           VARCHAR(200) NOT NULL,
  tool              VARCHAR(300) NOT NULL,
  requests          BIGINT       NOT NULL,
  errors            BIGINT       NOT NULL,
  prompt_tokens     BIGINT       NOT NULL,
  completion_tokens BIGINT       NOT NULL,
  cached_tokens     BIGINT       NOT NULL,
  reasoning_tokens  BIGINT       NOT NULL,
  cost_nanos        BIGINT       NOT NULL,
  latency_sum       BIGINT       NOT NULL,
  latency_max       BIGINT       NOT NULL,
  PRIMARY KEY (bucket, key_id, team_id, model, deployment, persona, tool)
);

INSERT INTO usage_hourly SELECT ts - ts % 3600000, COALESCE(key_id, ''), COALESCE(team_id, ''), model,
    COALESCE(deployment, ''), COALESCE(persona, ''), COALESCE(tool, ''), COUNT(*),
    SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(prompt_tokens), SUM(completion_tokens), SUM(cached_tokens),
    SUM(reasoning_tokens), SUM(cost_nanos), SUM(latency_ms), MAX(latency_ms)
  FROM usage_records
  GROUP BY ts - ts % 3600000, COALESCE(key_id, ''), COALESCE(team_id, ''), model, COALESCE(deployment, ''),
    COALESCE(persona, ''), COALESCE(tool, '');

INSERT INTO usage_daily SELECT bucket - bucket % 86400000, key_id, team_id, model, deployment, persona, tool,
    SUM(requests), SUM(errors), SUM(prompt_tokens), SUM(completion_tokens), SUM(cached_tokens),
    SUM(reasoning_tokens), SUM(cost_nanos), SUM(latency_sum), MAX(latency_max)
  FROM usage_hourly
  GROUP BY bucket - bucket % 86400000, key_id, team_id, model, deployment, persona, tool;

-- The console's audit filters, newest first (ORDER BY seq DESC ... LIMIT walks these backwards
-- instead of the whole trail when a value is rare), and the overview's refusals and busiest tools
-- over a time window.
CREATE INDEX audit_events_principal_seq ON audit_events (principal, seq);
CREATE INDEX audit_events_target_seq ON audit_events (target, seq);
CREATE INDEX audit_events_outcome_ts ON audit_events (outcome, ts);
CREATE INDEX audit_events_action_ts ON audit_events (action, ts);
