package dev.portcullis.llm;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How much answer a chat request asks for, as limits reserve it: the larger of
 * {@code max_completion_tokens} and {@code max_tokens} (OpenAI's two names; Anthropic's
 * {@code max_tokens}), and {@code n} choices. Read strictly, as OpenAI and Anthropic themselves do:
 * each must be a JSON integer of at least 1; a string, a fraction, 1e300 or a negative number is
 * refused rather than guessed at. An integer beyond 2^63-1 reads as 2^63-1, which limits cap at
 * the model's output limit.
 *
 * @param maxTokens the requested completion tokens per choice, or 0 when the request sets none
 * @param choices how many answers (n), 1 when unset
 */
public record RequestedCompletion(long maxTokens, long choices) {
  /**
   * Reads the fields from a chat request body (OpenAI or Anthropic).
   *
   * @throws InvalidParameterException naming the first field that is not a positive integer
   */
  public static RequestedCompletion read(JsonNode body) {
    long completion = positive(body, "max_completion_tokens");
    long max = positive(body, "max_tokens");
    long n = positive(body, "n");
    return new RequestedCompletion(Math.max(completion, max), n == 0 ? 1 : n);
  }

  /** The field's value, 0 when absent or null. */
  private static long positive(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return 0;
    }
    if (!v.isIntegralNumber()) {
      throw new InvalidParameterException(field, "Invalid type for '" + field + "': expected an integer, but got "
          + kind(v) + " instead.");
    }
    if (v.canConvertToLong() ? v.longValue() < 1 : v.bigIntegerValue().signum() < 0) {
      throw new InvalidParameterException(field, "Invalid '" + field + "': integer below minimum value. Expected a"
          + " value >= 1, but got " + v.asText() + " instead.");
    }
    return v.canConvertToLong() ? v.longValue() : Long.MAX_VALUE;
  }

  private static String kind(JsonNode v) {
    if (v.isNumber()) {
      return "a decimal number";
    }
    if (v.isTextual()) {
      return "a string";
    }
    if (v.isBoolean()) {
      return "a boolean";
    }
    return v.isArray() ? "an array" : "an object";
  }
}
