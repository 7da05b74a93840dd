package dev.portcullis.llm;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/** The exact HTTP request one attempt sends to a provider. */
public record UpstreamRequest(String absoluteUri, MultiMap headers, Buffer body) {}
