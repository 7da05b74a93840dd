package dev.portcullis.llm.wire;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.config.DeploymentConfig;
import dev.portcullis.llm.ProviderAdapter;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.llm.wire.anthropic.AnthropicAdapter;
import dev.portcullis.llm.wire.anthropic.AnthropicClientBridge;
import dev.portcullis.llm.wire.bedrock.BedrockAdapter;
import dev.portcullis.llm.wire.gemini.GeminiAdapter;
import dev.portcullis.llm.responses.ResponsesClientBridge;
import dev.portcullis.llm.wire.openai.OpenAiAdapter;

/**
 * The wire adapter of each provider type and its default base URL: the one table to extend when
 * a provider package is added. Built once by the composition root.
 */
public final class ProviderAdapters {
  private final ProviderAdapter openai;
  /** OpenAI and Azure: the Responses API passes through to them as it is. */
  private final ProviderAdapter openaiResponses;
  private final ProviderAdapter anthropic;
  private final ProviderAdapter gemini;
  private final ProviderAdapter bedrock;

  public ProviderAdapters(ObjectMapper json, TokenCounter tokens) {
    // Providers that speak the OpenAI client contract serve Anthropic clients through the bridge.
    // Responses API clients get their API natively from OpenAI and Azure, translated to chat elsewhere.
    ProviderAdapter openaiChat = new AnthropicClientBridge(new OpenAiAdapter(json, tokens), json, tokens);
    this.openai = new ResponsesClientBridge(openaiChat, false, json, tokens);
    this.openaiResponses = new ResponsesClientBridge(openaiChat, true, json, tokens);
    this.anthropic = new ResponsesClientBridge(new AnthropicAdapter(json), false, json, tokens);
    this.gemini = new ResponsesClientBridge(new AnthropicClientBridge(new GeminiAdapter(json, tokens), json, tokens),
        false, json, tokens);
    this.bedrock = new ResponsesClientBridge(new AnthropicClientBridge(new BedrockAdapter(json, tokens), json,
        tokens), false, json, tokens);
  }

  public ProviderAdapter forType(String type) {
    return switch (type) {
      case "anthropic" -> anthropic;
      case "gemini" -> gemini;
      case "bedrock" -> bedrock;
      case "openai", "azure" -> openaiResponses;
      default -> openai; // openai_compatible, demo
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
