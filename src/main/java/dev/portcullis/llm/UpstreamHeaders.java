package dev.portcullis.llm;

import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import java.util.Locale;

/** Checks the head of a successful upstream answer before its body is read. */
final class UpstreamHeaders {
  private UpstreamHeaders() {}

  /**
   * Why the head of a 2xx answer cannot be the answer asked for, or null when it can. The gateway
   * never asks for a compressed body (it sends no Accept-Encoding and decodes nothing), so any
   * content coding means the body is not what the adapter can read. A stream must come as the
   * adapter's stream media type; an absent content type is tolerated, as the events are checked.
   */
  static String problem(HttpClientResponse resp, boolean stream, String streamMediaType) {
    String encoding = resp.getHeader(HttpHeaders.CONTENT_ENCODING);
    if (encoding != null && !encoding.isBlank() && !encoding.strip().equalsIgnoreCase("identity")) {
      return "content-encoding '" + encoding + "' that was not asked for";
    }
    if (stream) {
      String type = mediaType(resp.getHeader(HttpHeaders.CONTENT_TYPE));
      if (type != null && !type.equals(streamMediaType)) {
        return "content-type '" + type + "' where a stream (" + streamMediaType + ") was due";
      }
    }
    return null;
  }

  private static String mediaType(String contentType) {
    if (contentType == null) {
      return null;
    }
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
  }
}
