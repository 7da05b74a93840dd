-- The audit chain becomes keyed: each event records how its hash was made. Rows written before
-- this migration were chained with plain SHA-256 ('sha256') and keep verifying as such; new rows
-- carry 'hmac-sha256:KEYID', an HMAC-SHA-256 under audit.chain_key (a key that is not in the
-- database), so that rewriting a row and recomputing the chain needs the key.
ALTER TABLE audit_events ADD COLUMN chain VARCHAR(40) NOT NULL DEFAULT 'sha256';

-- Signed checkpoints of the chain's head (also sent to the export sinks, where they anchor the
-- chain outside the database). Kept here for the admin API; a copy an attacker can delete but
-- cannot forge.
CREATE TABLE audit_checkpoints (
  seq    BIGINT       PRIMARY KEY,
  ts     BIGINT       NOT NULL,
  kid    VARCHAR(64)  NOT NULL,
  jws    TEXT         NOT NULL
);
