-- Usage summed per minute, for the last hours only (UsageRollups prunes older minutes as it
-- writes): the overview's last hour, per minute, reads these sums instead of every usage row of
-- the hour, whose number grows with the traffic the gateway serves (issue 17). Same columns and
-- conventions as usage_hourly (V25).
CREATE TABLE usage_minutely (
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

-- the minutes of the newest rows' last three hours (what the sums keep)
INSERT INTO usage_minutely SELECT ts - ts % 60000, COALESCE(key_id, ''), COALESCE(team_id, ''), model,
    COALESCE(deployment, ''), COALESCE(persona, ''), COALESCE(tool, ''), COUNT(*),
    SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(prompt_tokens), SUM(completion_tokens), SUM(cached_tokens),
    SUM(reasoning_tokens), SUM(cost_nanos), SUM(latency_ms), MAX(latency_ms)
  FROM usage_records
  WHERE ts >= (SELECT MAX(ts) FROM usage_records) - 10800000
  GROUP BY ts - ts % 60000, COALESCE(key_id, ''), COALESCE(team_id, ''), model, COALESCE(deployment, ''),
    COALESCE(persona, ''), COALESCE(tool, '');
