package dev.portcullis.mcp;

/**
 * The decision of the client that asked the gateway to run a tool for its model, when the client
 * itself wanted to approve the call first (the Responses API's {@code require_approval} on an
 * {@code mcp} tool). It is recorded in the audit trail with the call; it adds to the gateway's own
 * policy, never replaces it: an approved call still passes every rule, grant and approval.
 *
 * @param requestId the approval request the client answered ({@code mcpr_...})
 * @param approved whether the client approved the call
 * @param reason the client's reason, or null
 */
public record ClientApproval(String requestId, boolean approved, String reason) {}
