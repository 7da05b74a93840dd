package dev.portcullis.llm.responses;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.llm.InvalidParameterException;

/**
 * Refuses a Responses request that names objects kept by the provider under the deployment's
 * key: conversations, item references, files ({@code file_id} in any content or output part),
 * vector stores ({@code file_search}) and code interpreter containers or their files. That state
 * is shared by every caller of the deployment, and the gateway can neither create it for a caller
 * nor tell whose it is: only the gateway's own store, bound to the caller, may feed a request
 * ({@code previous_response_id}).
 */
public final class UpstreamReferences {
  private UpstreamReferences() {}

  /**
   * @throws InvalidParameterException naming the first reference found
   */
  public static void refuse(JsonNode body) {
    if (body.hasNonNull("conversation")) {
      throw new InvalidParameterException("conversation", "Conversations are not supported by this gateway; "
          + "continue a response with previous_response_id.");
    }
    JsonNode input = body.path("input");
    for (int i = 0; i < input.size(); i++) {
      JsonNode item = input.get(i);
      String at = "input[" + i + "]";
      if ("item_reference".equals(item.path("type").asText())) {
        throw new InvalidParameterException(at, "Items of type 'item_reference' are not supported by this "
            + "gateway; send the items themselves, or continue a response with previous_response_id.");
      }
      parts(item.path("content"), at + ".content");
      parts(item.path("output"), at + ".output");
    }
    JsonNode tools = body.path("tools");
    for (int i = 0; i < tools.size(); i++) {
      JsonNode t = tools.get(i);
      String at = "tools[" + i + "]";
      String type = t.path("type").asText("");
      if (type.equals("file_search")) {
        throw stored(at, "file_search searches vector stores");
      }
      JsonNode container = t.path("container");
      if (type.equals("code_interpreter") && (container.isTextual()
          || container.path("file_ids").isArray() && !container.path("file_ids").isEmpty())) {
        throw stored(at + ".container", "a code interpreter container given by id, or with file_ids, holds files");
      }
    }
  }

  private static void parts(JsonNode parts, String at) {
    for (int j = 0; j < parts.size(); j++) {
      if (parts.get(j).hasNonNull("file_id")) {
        throw stored(at + "[" + j + "].file_id", "a file_id names a file");
      }
    }
  }

  private static InvalidParameterException stored(String param, String what) {
    return new InvalidParameterException(param, "Not supported by this gateway: " + what + " kept by the provider "
        + "under the gateway's own account, shared by every caller. Send the content itself (file_data, image_url).");
  }
}
