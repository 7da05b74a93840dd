package dev.portcullis.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads a YAML configuration file: interpolates the environment, binds records, validates. */
public final class ConfigLoader {
  /** Top-level section names, for {@link #forSections}. */
  public static final String STORE_SECTION = "store";
  public static final String AUDIT_SECTION = "audit";
  public static final String CLUSTER_SECTION = "cluster";

  private final ObjectMapper yaml;
  private final EnvInterpolator env;
  /** Top-level sections whose unset environment variables are errors; null: all of them. */
  private final Set<String> sections;

  public ConfigLoader(EnvInterpolator env) {
    this(env, null);
  }

  private ConfigLoader(EnvInterpolator env, Set<String> sections) {
    this.env = env;
    this.sections = sections;
    this.yaml = StrictYaml.mapper()
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  public ConfigLoader() {
    this(EnvInterpolator.fromSystem());
  }

  /**
   * A loader for a command that reads only some top-level sections (keys and teams: store; audit:
   * store and audit): an environment variable named elsewhere (a provider's API key, say) need not
   * be set to run it; such a value stays as written. Everything is still validated.
   */
  public static ConfigLoader forSections(String... sections) {
    return new ConfigLoader(EnvInterpolator.fromSystem(), Set.of(sections));
  }

  public GatewayConfig load(Path file) throws ConfigException {
    String name = file.toString();
    JsonNode tree;
    try {
      tree = yaml.readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new ConfigException(name, List.of("file not found"));
    } catch (JsonProcessingException e) {
      throw new ConfigException(name, List.of("not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")")));
    } catch (IOException e) {
      throw new ConfigException(name, List.of("cannot read: " + e.getMessage()));
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      throw new ConfigException(name, List.of("file is empty"));
    }
    if (!tree.isObject()) {
      throw new ConfigException(name, List.of("top level must be a mapping"));
    }
    List<String> problems = new ArrayList<>();
    interpolate("", tree, problems);
    if (sections != null) {
      problems.removeIf(p -> !sections.contains(p.split("[.\\[:]", 2)[0]));
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(name, problems);
    }
    new ConfigPaths(directoryOf(file)).resolve(tree);
    GatewayConfig config;
    try {
      config = yaml.treeToValue(tree, GatewayConfig.class);
    } catch (JsonMappingException e) {
      throw new ConfigException(name, List.of(BindingErrors.describe(e, tree)));
    } catch (JsonProcessingException e) {
      throw new ConfigException(name, List.of(e.getOriginalMessage()));
    }
    ConfigValidator.validate(config, problems);
    if (problems.isEmpty()) { // what the gateway would open or run at start, once the settings make sense
      ReferencesValidator.validate(config, problems);
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(name, problems);
    }
    return config;
  }

  private void interpolate(String path, JsonNode node, List<String> problems) {
    if (node instanceof ObjectNode obj) {
      Iterator<Map.Entry<String, JsonNode>> it = obj.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        String field = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
        if (e.getValue().isTextual()) {
          String v = env.interpolate(field, e.getValue().textValue(), problems);
          if (v != null) {
            e.setValue(TextNode.valueOf(v));
          }
        } else {
          interpolate(field, e.getValue(), problems);
        }
      }
    } else if (node instanceof ArrayNode arr) {
      for (int i = 0; i < arr.size(); i++) {
        String field = path + "[" + i + "]";
        JsonNode item = arr.get(i);
        if (item.isTextual()) {
          String v = env.interpolate(field, item.textValue(), problems);
          if (v != null) {
            arr.set(i, TextNode.valueOf(v));
          }
        } else {
          interpolate(field, item, problems);
        }
      }
    }
  }

  /** Relative paths in the file are relative to the file itself. */
  static Path directoryOf(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    return parent == null ? file.toAbsolutePath() : parent;
  }
}
