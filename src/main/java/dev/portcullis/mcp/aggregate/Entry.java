package dev.portcullis.mcp.aggregate;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One item as a client sees it: its exposed key (namespaced name, or URI), the upstream that
 * serves it, the upstream's own key, and the definition to list (already carrying the exposed name).
 */
public record Entry(String exposed, Upstream upstream, String original, ObjectNode definition) {}
