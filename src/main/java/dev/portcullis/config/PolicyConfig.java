package dev.portcullis.config;

/**
 * Where the CEL policy rules live.
 *
 * @param file a YAML policy file (rules and labels), re-read when it changes; a broken file is
 *     rejected and the rules in force stay
 * @param reloadMs how often the file's modification time is checked
 * @param personaHeader the request header naming the persona a client acts through
 */
public record PolicyConfig(String file, Long reloadMs, String personaHeader) {
  public PolicyConfig {
    reloadMs = reloadMs == null ? 2_000L : reloadMs;
    personaHeader = personaHeader == null ? "x-portcullis-persona" : personaHeader;
  }
}
