-- The built-in OAuth authorization server's state: registered clients, login and consent
-- transactions, authorization codes, refresh tokens (by SHA-256, never in clear), revocations
-- and its signing key. consumed: 0/1 (single-use items). Times: epoch ms.
CREATE TABLE oauth_items (
  kind       VARCHAR(32)  NOT NULL,
  id         VARCHAR(200) NOT NULL,
  data       TEXT         NOT NULL,
  expires_at BIGINT       NOT NULL,
  consumed   INTEGER      NOT NULL DEFAULT 0,
  PRIMARY KEY (kind, id)
);
CREATE INDEX oauth_items_expiry ON oauth_items (expires_at);
