-- Responses API: responses kept for previous_response_id and GET /v1/responses/{id}, each
-- readable only by the principal that created it, until it expires. Times: created_at in epoch
-- seconds (as in the response), expires_at in epoch ms. input and response are JSON.
CREATE TABLE llm_responses (
  id         VARCHAR(200) NOT NULL PRIMARY KEY,
  owner      VARCHAR(500) NOT NULL,
  model      VARCHAR(300) NOT NULL,
  created_at BIGINT       NOT NULL,
  expires_at BIGINT       NOT NULL,
  input      TEXT         NOT NULL,
  response   TEXT         NOT NULL
);
CREATE INDEX llm_responses_expires ON llm_responses (expires_at);
