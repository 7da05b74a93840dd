-- Per-user OAuth connections to upstream apps (MCP servers, REST APIs): the user authorised the
-- upstream once through the gateway; its tokens are kept here, encrypted with AES-256-GCM under
-- identity.secrets_key (random nonce per record; upstream and user id as associated data).
CREATE TABLE upstream_connections (
  upstream    VARCHAR(128)  NOT NULL,
  user_id     VARCHAR(512)  NOT NULL,
  data        TEXT          NOT NULL,
  updated_at  BIGINT        NOT NULL,
  PRIMARY KEY (upstream, user_id)
);
CREATE INDEX upstream_connections_user ON upstream_connections (user_id);
