-- A changed tool definition an admin rejected (1): the tool stays withheld while the server
-- offers that definition, in flag mode too, and it no longer waits for review.
ALTER TABLE mcp_tool_pins ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;
