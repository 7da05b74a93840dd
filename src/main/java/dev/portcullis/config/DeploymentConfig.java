package dev.portcullis.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Map;

/**
 * One upstream endpoint that can serve a model group: one record per provider {@code type}, each
 * with the fields that provider has (a {@code region} on an openai deployment is an unknown field,
 * not a silently ignored one) and the checks of those fields beside it. An unknown or missing
 * {@code type} is reported in words by {@link BindingErrors} with the valid types.
 *
 * <p>Every type has: {@code name} (unique in its group), {@code base_url}, {@code api_key},
 * {@code model} (the upstream's name for it), {@code weight}, {@code headers}, {@code stream_usage}
 * (ask a stream for its usage), {@code timeouts}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = DeploymentConfig.OpenAi.class, name = DeploymentConfig.OpenAi.TYPE),
    @JsonSubTypes.Type(value = DeploymentConfig.OpenAiCompatible.class, name = DeploymentConfig.OpenAiCompatible.TYPE),
    @JsonSubTypes.Type(value = DeploymentConfig.Azure.class, name = DeploymentConfig.Azure.TYPE),
    @JsonSubTypes.Type(value = DeploymentConfig.Anthropic.class, name = DeploymentConfig.Anthropic.TYPE),
    @JsonSubTypes.Type(value = DeploymentConfig.Gemini.class, name = DeploymentConfig.Gemini.TYPE),
    @JsonSubTypes.Type(value = DeploymentConfig.Bedrock.class, name = DeploymentConfig.Bedrock.TYPE),
    @JsonSubTypes.Type(value = DeploymentConfig.Demo.class, name = DeploymentConfig.Demo.TYPE)})
public sealed interface DeploymentConfig {
  /** What the error for an unknown or missing {@code type} calls it. */
  String KIND = "provider type";

  String name();

  /** The provider type, as written in the configuration. */
  String type();

  String baseUrl();

  String apiKey();

  String model();

  Integer weight();

  Map<String, String> headers();

  Boolean streamUsage();

  GatewayConfig.TimeoutsConfig timeouts();

  /** Adds "field: why" for each problem of this type's own fields ({@code field}: the deployment's path). */
  void validate(String field, List<String> problems);

  /** api.openai.com, or {@code base_url}. */
  record OpenAi(String name, String baseUrl, String apiKey, String model, Integer weight, Map<String, String> headers,
      Boolean streamUsage, GatewayConfig.TimeoutsConfig timeouts) implements DeploymentConfig {
    public static final String TYPE = "openai";

    public OpenAi {
      weight = Defaults.weight(weight);
      headers = Defaults.headers(headers);
      streamUsage = Defaults.streamUsage(streamUsage);
      timeouts = Defaults.timeouts(timeouts);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public void validate(String field, List<String> problems) {
      ConfigValidator.url(field + ".base_url", baseUrl, false, problems);
    }
  }

  /** Any server that speaks OpenAI's API at {@code base_url} (required). */
  record OpenAiCompatible(String name, String baseUrl, String apiKey, String model, Integer weight,
      Map<String, String> headers, Boolean streamUsage, GatewayConfig.TimeoutsConfig timeouts)
      implements DeploymentConfig {
    public static final String TYPE = "openai_compatible";

    public OpenAiCompatible {
      weight = Defaults.weight(weight);
      headers = Defaults.headers(headers);
      streamUsage = Defaults.streamUsage(streamUsage);
      timeouts = Defaults.timeouts(timeouts);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public void validate(String field, List<String> problems) {
      ConfigValidator.url(field + ".base_url", baseUrl, true, problems);
    }
  }

  /**
   * Azure OpenAI: {@code base_url} (the resource), {@code deployment} (the Azure deployment name),
   * {@code api_version} and {@code api_key}, all required.
   */
  record Azure(String name, String baseUrl, String apiKey, String model, Integer weight, Map<String, String> headers,
      Boolean streamUsage, GatewayConfig.TimeoutsConfig timeouts, String deployment, String apiVersion)
      implements DeploymentConfig {
    public static final String TYPE = "azure";

    public Azure {
      weight = Defaults.weight(weight);
      headers = Defaults.headers(headers);
      streamUsage = Defaults.streamUsage(streamUsage);
      timeouts = Defaults.timeouts(timeouts);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public void validate(String field, List<String> problems) {
      ConfigValidator.url(field + ".base_url", baseUrl, true, problems);
      if (deployment == null || deployment.isBlank()) {
        problems.add(field + ".deployment: required for azure (the Azure deployment name)");
      }
      if (apiVersion == null || apiVersion.isBlank()) {
        problems.add(field + ".api_version: required for azure (for example 2024-10-21)");
      }
      if (apiKey == null || apiKey.isBlank()) {
        problems.add(field + ".api_key: required for azure");
      }
    }
  }

  /** Anthropic's Messages API; {@code api_key} required, {@code anthropic_version} optional. */
  record Anthropic(String name, String baseUrl, String apiKey, String model, Integer weight,
      Map<String, String> headers, Boolean streamUsage, GatewayConfig.TimeoutsConfig timeouts,
      String anthropicVersion) implements DeploymentConfig {
    public static final String TYPE = "anthropic";

    public Anthropic {
      weight = Defaults.weight(weight);
      headers = Defaults.headers(headers);
      streamUsage = Defaults.streamUsage(streamUsage);
      timeouts = Defaults.timeouts(timeouts);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public void validate(String field, List<String> problems) {
      ConfigValidator.url(field + ".base_url", baseUrl, false, problems);
      ConfigValidator.required(field + ".api_key", apiKey, TYPE, problems);
    }
  }

  /** Google's Gemini API; {@code api_key} required. */
  record Gemini(String name, String baseUrl, String apiKey, String model, Integer weight, Map<String, String> headers,
      Boolean streamUsage, GatewayConfig.TimeoutsConfig timeouts) implements DeploymentConfig {
    public static final String TYPE = "gemini";

    public Gemini {
      weight = Defaults.weight(weight);
      headers = Defaults.headers(headers);
      streamUsage = Defaults.streamUsage(streamUsage);
      timeouts = Defaults.timeouts(timeouts);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public void validate(String field, List<String> problems) {
      ConfigValidator.url(field + ".base_url", baseUrl, false, problems);
      ConfigValidator.required(field + ".api_key", apiKey, TYPE, problems);
    }
  }

  /**
   * Amazon Bedrock (Converse API, SigV4): {@code region}, {@code access_key_id},
   * {@code secret_access_key} and {@code model} (the Bedrock model id) required, {@code session_token}
   * for temporary credentials.
   */
  record Bedrock(String name, String baseUrl, String apiKey, String model, Integer weight, Map<String, String> headers,
      Boolean streamUsage, GatewayConfig.TimeoutsConfig timeouts, String region, String accessKeyId,
      String secretAccessKey, String sessionToken) implements DeploymentConfig {
    public static final String TYPE = "bedrock";

    public Bedrock {
      weight = Defaults.weight(weight);
      headers = Defaults.headers(headers);
      streamUsage = Defaults.streamUsage(streamUsage);
      timeouts = Defaults.timeouts(timeouts);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public void validate(String field, List<String> problems) {
      ConfigValidator.url(field + ".base_url", baseUrl, false, problems);
      ConfigValidator.required(field + ".region", region, "bedrock (for example us-east-1)", problems);
      ConfigValidator.required(field + ".access_key_id", accessKeyId, TYPE, problems);
      ConfigValidator.required(field + ".secret_access_key", secretAccessKey, TYPE, problems);
      ConfigValidator.required(field + ".model", model, "bedrock (the Bedrock model id)", problems);
    }
  }

  /** The built-in demo provider (started with the gateway); nothing to set. */
  record Demo(String name, String baseUrl, String apiKey, String model, Integer weight, Map<String, String> headers,
      Boolean streamUsage, GatewayConfig.TimeoutsConfig timeouts) implements DeploymentConfig {
    public static final String TYPE = "demo";

    public Demo {
      weight = Defaults.weight(weight);
      headers = Defaults.headers(headers);
      streamUsage = Defaults.streamUsage(streamUsage);
      timeouts = Defaults.timeouts(timeouts);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public void validate(String field, List<String> problems) {
      // nothing of its own
    }
  }

  /** The defaults every type shares. */
  final class Defaults {
    private Defaults() {}

    static Integer weight(Integer w) {
      return w == null ? 1 : w;
    }

    static Map<String, String> headers(Map<String, String> h) {
      return h == null ? Map.of() : Map.copyOf(h);
    }

    static Boolean streamUsage(Boolean s) {
      return s == null ? Boolean.TRUE : s;
    }

    static GatewayConfig.TimeoutsConfig timeouts(GatewayConfig.TimeoutsConfig t) {
      return t == null ? new GatewayConfig.TimeoutsConfig(0, 0, 0) : t;
    }
  }
}
