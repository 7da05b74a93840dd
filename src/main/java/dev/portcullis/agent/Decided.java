package dev.portcullis.agent;

import dev.portcullis.mcp.ClientApproval;

/**
 * A call the model asked for in an earlier request that stopped for the client's approval, with
 * the client's answer: the loop makes it (refused or approved) before it asks the model again.
 */
public record Decided(ToolUse use, ClientApproval approval) {}
