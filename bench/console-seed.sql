-- bench/console.sh: fills a migrated PostgreSQL store with the rows the console must stay fast
-- over: 200 keys in 20 teams, 1,000,000 usage rows and 1,000,000 audit events spread evenly over
-- the last 30 days (8 models, 5 tools, 3 personas, each key with one team and persona, 5% failed,
-- 2% refused). Generated in the
-- database (generate_series), a few seconds per million rows. The audit rows carry placeholder
-- hashes: they are not a valid chain (the audit page's "verify" reports the break), which is
-- fine for timing reads. psql -v now=EPOCH_MS -f bench/console-seed.sql
\set ON_ERROR_STOP on
\timing on
INSERT INTO teams (id, name, created_at)
SELECT 'team-' || t, 'team ' || t, :now FROM generate_series(0, 19) t;

INSERT INTO virtual_keys (id, name, key_hash, key_prefix, team_id, owner, disabled, created_at, updated_at)
SELECT 'key-' || k, 'bench key ' || k, md5('k' || k) || md5('h' || k), 'pk-b' || k, 'team-' || (k % 20),
       'owner' || (k % 37) || '@example.com', 0, :now, :now
FROM generate_series(0, 199) k;

INSERT INTO usage_records (request_id, ts, key_id, team_id, model, deployment, provider, endpoint, stream,
    status, outcome, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, usage_estimated,
    cost_nanos, latency_ms, persona, tool)
SELECT 'req-seed-' || g, :now - (g::bigint * 2592000) / 1000, 'key-' || (g % 200), 'team-' || (g % 200 % 20),
       'model-' || (g % 8), 'deployment-' || (g % 8), 'openai', '/v1/chat/completions', g % 2,
       CASE WHEN g % 20 = 0 THEN 502 ELSE 200 END, CASE WHEN g % 20 = 0 THEN 'failed' ELSE 'ok' END,
       100 + g % 900, 20 + g % 400, 0, 0, 0, 1000 * (g % 5000), 20 + g % 1500,
       CASE g % 200 % 3 WHEN 0 THEN 'support' WHEN 1 THEN 'coder' ELSE NULL END,
       CASE WHEN g % 10 = 0 THEN 'tool-' || (g % 5) ELSE NULL END
FROM generate_series(1, 1000000) g;

-- the hourly and daily sums the gateway keeps as it writes usage rows (as migration V25 fills them)
INSERT INTO usage_hourly SELECT ts - ts % 3600000, COALESCE(key_id, ''), COALESCE(team_id, ''), model,
    COALESCE(deployment, ''), COALESCE(persona, ''), COALESCE(tool, ''), COUNT(*),
    SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(prompt_tokens), SUM(completion_tokens), SUM(cached_tokens),
    SUM(reasoning_tokens), SUM(cost_nanos), SUM(latency_ms), MAX(latency_ms)
  FROM usage_records
  GROUP BY ts - ts % 3600000, COALESCE(key_id, ''), COALESCE(team_id, ''), model, COALESCE(deployment, ''),
    COALESCE(persona, ''), COALESCE(tool, '')
  ON CONFLICT (bucket, key_id, team_id, model, deployment, persona, tool) DO NOTHING;
-- and the last three hours per minute (as migration V27 fills them)
INSERT INTO usage_minutely SELECT ts - ts % 60000, COALESCE(key_id, ''), COALESCE(team_id, ''), model,
    COALESCE(deployment, ''), COALESCE(persona, ''), COALESCE(tool, ''), COUNT(*),
    SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(prompt_tokens), SUM(completion_tokens), SUM(cached_tokens),
    SUM(reasoning_tokens), SUM(cost_nanos), SUM(latency_ms), MAX(latency_ms)
  FROM usage_records
  WHERE ts >= :now - 10800000
  GROUP BY ts - ts % 60000, COALESCE(key_id, ''), COALESCE(team_id, ''), model, COALESCE(deployment, ''),
    COALESCE(persona, ''), COALESCE(tool, '')
  ON CONFLICT (bucket, key_id, team_id, model, deployment, persona, tool) DO NOTHING;
INSERT INTO usage_daily SELECT bucket - bucket % 86400000, key_id, team_id, model, deployment, persona, tool,
    SUM(requests), SUM(errors), SUM(prompt_tokens), SUM(completion_tokens), SUM(cached_tokens),
    SUM(reasoning_tokens), SUM(cost_nanos), SUM(latency_sum), MAX(latency_max)
  FROM usage_hourly
  GROUP BY bucket - bucket % 86400000, key_id, team_id, model, deployment, persona, tool
  ON CONFLICT (bucket, key_id, team_id, model, deployment, persona, tool) DO NOTHING;

INSERT INTO audit_events (seq, id, ts, phase, surface, action, principal, principal_kind, key_id, persona,
    target, decision, reason, outcome, status, latency_ms, prompt_tokens, completion_tokens, cost_nanos,
    request_id, prev_hash, hash, chain)
SELECT h.seq + g, 'evt-seed-' || g, :now - ((1000001 - g)::bigint * 2592000) / 1000,
       CASE WHEN g % 4 = 0 THEN 'requested' ELSE 'completed' END,
       CASE WHEN g % 4 = 0 THEN 'mcp' ELSE 'openai' END,
       CASE WHEN g % 4 = 0 THEN 'tools/call' ELSE 'chat.completions' END,
       'key:key-' || (g % 200), 'key', 'key-' || (g % 200),
       CASE g % 3 WHEN 0 THEN 'support' WHEN 1 THEN 'coder' ELSE NULL END,
       CASE WHEN g % 4 = 0 THEN 'tool-' || (g % 5) ELSE 'model-' || (g % 8) END,
       CASE WHEN g % 50 = 0 THEN 'deny' ELSE 'allow' END,
       CASE WHEN g % 50 = 0 THEN 'policy bench-rule' ELSE NULL END,
       CASE WHEN g % 50 = 0 THEN 'refused' WHEN g % 20 = 0 THEN 'failed' ELSE 'ok' END,
       CASE WHEN g % 50 = 0 THEN 403 WHEN g % 20 = 0 THEN 502 ELSE 200 END,
       20 + g % 1500, 100 + g % 900, 20 + g % 400, 1000 * (g % 5000), 'req-seed-' || g,
       md5('p' || g) || md5('q' || g), md5('h' || g) || md5('i' || g), 'sha256'
FROM generate_series(1, 1000000) g, (SELECT seq FROM audit_head WHERE id = 1) h;

UPDATE audit_head SET seq = (SELECT MAX(seq) FROM audit_events),
  hash = (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1) WHERE id = 1;

ANALYZE;
