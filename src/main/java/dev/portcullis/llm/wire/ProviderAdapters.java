package dev.portcullis.llm.wire;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.config.DeploymentConfig;
import dev.portcullis.llm.ProviderAdapter;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.llm.wire.anthropic.AnthropicAdapter;
import dev.portcullis.llm.wire.anthropic.AnthropicClientBridge;
import dev.portcullis.llm.wire.bedrock.BedrockAdapter;
import dev.portcullis.llm.wire.gemini.GeminiAdapter;
import dev.portcullis.llm.wire.openai.OpenAiAdapter;

/**
 * The wire adapter of each provider type and its default base URL: the one table to extend when
 * a provider package is added. Built once by the composition root.
 */
public final class ProviderAdapters {
  private final ProviderAdapter openai;
  private final ProviderAdapter anthropic;
  private final ProviderAdapter gemini;
  private final ProviderAdapter bedrock;

  public ProviderAdapters(ObjectMapper json, TokenCounter tokens) {
    // Providers that speak the OpenAI client contract serve Anthropic clients through the bridge.
    this.openai = new AnthropicClientBridge(new OpenAiAdapter(json, tokens), json, tokens);
    this.anthropic = new AnthropicAdapter(json);
    this.gemini = new AnthropicClientBridge(new GeminiAdapter(json, tokens), json, tokens);
    this.bedrock = new AnthropicClientBridge(new BedrockAdapter(json, tokens), json, tokens);
  }

  public ProviderAdapter forType(String type) {
    return switch (type) {
      case "anthropic" -> anthropic;
      case "gemini" -> gemini;
      case "bedrock" -> bedrock;
      default -> openai; // openai, azure, openai_compatible, demo
    };
  }

  /** The base URL of a deployment whose config has none; {@code demoBase} serves type demo. */
  public String defaultBaseUrl(DeploymentConfig d, String demoBase) {
    return switch (d.type()) {
      case "demo" -> demoBase;
      case "openai" -> OpenAiAdapter.OPENAI_BASE_URL;
      case "anthropic" -> AnthropicAdapter.BASE_URL;
      case "gemini" -> GeminiAdapter.BASE_URL;
      case "bedrock" -> BedrockAdapter.baseUrl(((DeploymentConfig.Bedrock) d).region());
      default -> throw new IllegalStateException("deployment of type " + d.type() + " has no base_url");
    };
  }
}
