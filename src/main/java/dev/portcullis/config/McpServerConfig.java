package dev.portcullis.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One upstream MCP server: one record per {@code type}, each with the fields that transport has (a
 * {@code url} on a stdio server, or a {@code command} on an http one, is an unknown field, not a
 * silently ignored one) and the checks of those fields beside it. An unknown or missing
 * {@code type} is reported in words by {@link BindingErrors} with the valid types.
 *
 * <p>Every type has: {@code alias} (the prefix of its tool and prompt names; default its key),
 * {@code timeout_ms} (how long one request may take upstream), {@code cost_usd} (what one call of
 * any of its tools costs, reserved and charged against the caller's key, team and persona
 * budgets) and {@code tool_cost_usd} (per-tool prices overriding it: the server's own tool name,
 * or a glob over it, to US dollars per call; the first matching entry wins).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = McpServerConfig.Stdio.class, name = McpServerConfig.Stdio.TYPE),
    @JsonSubTypes.Type(value = McpServerConfig.Http.class, name = McpServerConfig.Http.TYPE),
    @JsonSubTypes.Type(value = McpServerConfig.Sse.class, name = McpServerConfig.Sse.TYPE),
    @JsonSubTypes.Type(value = McpServerConfig.Builtin.class, name = McpServerConfig.Builtin.TYPE),
    @JsonSubTypes.Type(value = McpServerConfig.OpenApi.class, name = McpServerConfig.OpenApi.TYPE)})
public sealed interface McpServerConfig {
  /** What the error for an unknown or missing {@code type} calls it. */
  String KIND = "MCP server type";

  /** The transport type, as written in the configuration. */
  String type();

  String alias();

  Long timeoutMs();

  Double costUsd();

  Map<String, Double> toolCostUsd();

  /** Headers sent with every request to the server (http, sse, openapi); none for the others. */
  default Map<String, String> headers() {
    return Map.of();
  }

  /** The gateway's credential for this upstream (http, sse, openapi; see OpenApiConfig.AuthConfig), or null. */
  default OpenApiConfig.AuthConfig auth() {
    return null;
  }

  /** Adds "field: why" for each problem of this type's own fields ({@code field}: the server's path). */
  void validate(String field, List<String> problems);

  /**
   * A local server the gateway starts as a child process and speaks to on stdin/stdout.
   *
   * @param cwd the working directory of the server's process (default: the directory of the
   *     configuration file, so relative arguments mean the same wherever the gateway is started)
   */
  record Stdio(String alias, Long timeoutMs, Double costUsd, Map<String, Double> toolCostUsd, String command,
      List<String> args, Map<String, String> env, String cwd) implements McpServerConfig {
    public static final String TYPE = "stdio";

    public Stdio {
      timeoutMs = Defaults.timeoutMs(timeoutMs);
      toolCostUsd = Defaults.prices(toolCostUsd);
      args = args == null ? List.of() : List.copyOf(args);
      env = env == null ? Map.of() : Map.copyOf(env);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public void validate(String field, List<String> problems) {
      if (command == null || command.isBlank()) {
        problems.add(field + ".command: required for stdio servers");
      }
    }
  }

  /** A remote server speaking Streamable HTTP at {@code url}. */
  record Http(String alias, Long timeoutMs, Double costUsd, Map<String, Double> toolCostUsd, String url,
      Map<String, String> headers, OpenApiConfig.AuthConfig auth) implements McpServerConfig {
    public static final String TYPE = "http";

    public Http {
      timeoutMs = Defaults.timeoutMs(timeoutMs);
      toolCostUsd = Defaults.prices(toolCostUsd);
      headers = Defaults.headers(headers);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public void validate(String field, List<String> problems) {
      Defaults.remote(field, TYPE, url, auth, problems);
    }
  }

  /** A remote server speaking the legacy HTTP+SSE transport at {@code url}. */
  record Sse(String alias, Long timeoutMs, Double costUsd, Map<String, Double> toolCostUsd, String url,
      Map<String, String> headers, OpenApiConfig.AuthConfig auth) implements McpServerConfig {
    public static final String TYPE = "sse";

    public Sse {
      timeoutMs = Defaults.timeoutMs(timeoutMs);
      toolCostUsd = Defaults.prices(toolCostUsd);
      headers = Defaults.headers(headers);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public void validate(String field, List<String> problems) {
      Defaults.remote(field, TYPE, url, auth, problems);
    }
  }

  /** The gateway's own demo server, in process. */
  record Builtin(String alias, Long timeoutMs, Double costUsd, Map<String, Double> toolCostUsd)
      implements McpServerConfig {
    public static final String TYPE = "builtin";

    public Builtin {
      timeoutMs = Defaults.timeoutMs(timeoutMs);
      toolCostUsd = Defaults.prices(toolCostUsd);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public void validate(String field, List<String> problems) {
      // nothing of its own to check
    }
  }

  /**
   * The operations of a REST API as tools.
   *
   * @param spec the OpenAPI / Swagger description (file path or http(s) URL)
   * @param baseUrl where calls go (fixed here; the description's servers are ignored)
   * @param include operations to expose (default all)
   * @param exclude operations to hide
   * @param tools renames and descriptions, by operationId or derived tool name
   * @param allowPrivateAddresses private addresses the API may be on (default none)
   * @param maxResponseBytes larger responses are cut (default 1 MiB)
   * @param retries extra attempts for idempotent methods (default 2)
   */
  record OpenApi(String alias, Long timeoutMs, Double costUsd, Map<String, Double> toolCostUsd, String spec,
      String baseUrl, Map<String, String> headers, OpenApiConfig.AuthConfig auth, OpenApiConfig.FilterConfig include,
      OpenApiConfig.FilterConfig exclude, Map<String, OpenApiConfig.ToolOverride> tools,
      OpenApiConfig.PrivateAccess allowPrivateAddresses, Long maxResponseBytes, Integer retries)
      implements McpServerConfig {
    public static final String TYPE = "openapi";

    public OpenApi {
      timeoutMs = Defaults.timeoutMs(timeoutMs);
      toolCostUsd = Defaults.prices(toolCostUsd);
      headers = Defaults.headers(headers);
      tools = tools == null ? Map.of() : new LinkedHashMap<>(tools);
      allowPrivateAddresses = allowPrivateAddresses == null ? OpenApiConfig.PrivateAccess.NONE : allowPrivateAddresses;
      maxResponseBytes = maxResponseBytes == null ? 1024L * 1024 : maxResponseBytes;
      retries = retries == null ? 2 : retries;
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public void validate(String field, List<String> problems) {
      OpenApiConfigValidator.validate(field, this, problems);
    }
  }

  /** Defaults and checks the types share. */
  final class Defaults {
    private Defaults() {}

    static Long timeoutMs(Long v) {
      return v == null ? 60_000L : v;
    }

    static Map<String, Double> prices(Map<String, Double> v) {
      return v == null ? Map.of() : new LinkedHashMap<>(v);
    }

    static Map<String, String> headers(Map<String, String> v) {
      return v == null ? Map.of() : Map.copyOf(v);
    }

    /** http and sse: an absolute http(s) {@code url}; a credential, if any, sent in headers. */
    static void remote(String field, String type, String url, OpenApiConfig.AuthConfig auth, List<String> problems) {
      if (url == null) {
        problems.add(field + ".url: required for " + type + " servers");
      } else {
        try {
          URI u = URI.create(url);
          if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
            problems.add(field + ".url: must be an absolute http(s) URL, got '" + url + "'");
          }
        } catch (IllegalArgumentException ex) {
          problems.add(field + ".url: not a valid URL: " + ex.getMessage());
        }
      }
      if (auth != null) {
        CredentialConfigValidator.validate(field + ".auth", auth, false, problems);
      }
    }
  }
}
