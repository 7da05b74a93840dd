package dev.portcullis.config;

import java.util.List;

/** A configuration that cannot be used; every problem names the file, the field and why. */
public final class ConfigException extends Exception {
  private final List<String> problems;

  public ConfigException(String file, List<String> problems) {
    super(format(file, problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }

  private static String format(String file, List<String> problems) {
    StringBuilder sb = new StringBuilder("invalid configuration ").append(file).append(':');
    for (String p : problems) {
      sb.append("\n  ").append(file).append(": ").append(p);
    }
    return sb.toString();
  }
}
