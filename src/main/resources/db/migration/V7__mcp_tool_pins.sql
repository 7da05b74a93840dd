-- MCP tool pinning: the approved fingerprint (SHA-256 of the canonical definition) of each
-- upstream tool, and a changed definition waiting for an admin's approval. Times: epoch ms.
CREATE TABLE mcp_tool_pins (
  server               VARCHAR(200) NOT NULL,
  tool                 VARCHAR(300) NOT NULL,
  approved_fingerprint VARCHAR(64),
  approved_definition  TEXT,
  pending_fingerprint  VARCHAR(64),
  pending_definition   TEXT,
  updated_at           BIGINT       NOT NULL,
  PRIMARY KEY (server, tool)
);
