-- The MCP tool (or prompt, or resource URI) a usage row was for: tool calls are usage too, with
-- their price as cost_nanos (NULL for model calls).
ALTER TABLE usage_records ADD COLUMN tool VARCHAR(300);
