package dev.portcullis.limits;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.config.GatewayConfig.PriceConfig;
import dev.portcullis.config.GatewayConfig.PricingConfig;
import dev.portcullis.llm.Deployment;
import dev.portcullis.llm.ModelCatalog;
import dev.portcullis.llm.ModelGroup;
import dev.portcullis.llm.Usage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prices of model calls: the table shipped with the gateway ({@code pricing.json}), overridden
 * by configuration per model and per deployment. Costs are in billionths of a US dollar.
 */
public final class PriceTable implements PriceLookup {
  /**
   * The most completion tokens a reservation assumes for a model whose output limit is not known:
   * as much as the most any model writes in one answer (128k). A larger max_tokens is reserved as
   * this many; the call is still charged what it really used.
   */
  public static final long DEFAULT_MAX_OUTPUT_TOKENS = 128_000;

  /**
   * Nano-dollars per token: input (uncached prompt), cached input (read from the provider's
   * prompt cache), cache-write input (written to it; Anthropic and Bedrock charge more), output;
   * and the most completion tokens the model writes in one answer (what reservations cap
   * max_tokens at). Prices are finite and not negative, so costs are never NaN and never refunds.
   */
  public record Price(double input, double cachedInput, double cacheWriteInput, double output, long maxOutputTokens) {
    public static final Price FREE = new Price(0, 0, 0, 0, DEFAULT_MAX_OUTPUT_TOKENS);

    public Price {
      for (double d : new double[] {input, cachedInput, cacheWriteInput, output}) {
        if (!Double.isFinite(d) || d < 0) {
          throw new IllegalArgumentException("a price must be a finite amount, not negative: " + d);
        }
      }
      if (maxOutputTokens <= 0) {
        throw new IllegalArgumentException("max output tokens must be positive: " + maxOutputTokens);
      }
    }

    static Price perMillion(double input, double cachedInput, double cacheWriteInput, double output,
        long maxOutputTokens) {
      return new Price(input * 1000, cachedInput * 1000, cacheWriteInput * 1000, output * 1000, maxOutputTokens);
    }

    /** The cost of a call with this (sanitised: not negative) usage; held at {@code Long.MAX_VALUE}. */
    public long cost(Usage u) {
      long cached = Math.min(u.cachedTokens(), u.promptTokens());
      long written = Math.min(u.cacheWriteTokens(), u.promptTokens() - cached);
      return Saturating.roundToLong((u.promptTokens() - cached - written) * input + cached * cachedInput
          + written * cacheWriteInput + u.completionTokens() * output);
    }

    /** The most a call can cost with this many prompt tokens and at most this many completion tokens. */
    public long bound(long promptTokens, long completionTokens) {
      return Saturating.ceilToLong(promptTokens * Math.max(input, cacheWriteInput) + completionTokens * output);
    }

    Price max(Price o) {
      return new Price(Math.max(input, o.input), Math.max(cachedInput, o.cachedInput),
          Math.max(cacheWriteInput, o.cacheWriteInput), Math.max(output, o.output),
          Math.max(maxOutputTokens, o.maxOutputTokens));
    }
  }

  private final Map<String, Price> shipped;
  private final Map<String, Price> modelOverrides = new HashMap<>();
  private final Map<String, Price> deploymentOverrides = new HashMap<>();
  private final ConcurrentHashMap<Deployment, Price> byDeployment = new ConcurrentHashMap<>();
  private final Map<String, Price> admission = new HashMap<>();

  public PriceTable(PricingConfig config, ModelCatalog catalog) {
    this.shipped = loadShipped();
    config.models().forEach((k, v) -> modelOverrides.put(k, merge(v, lookupShipped(k))));
    config.deployments().forEach((k, v) -> deploymentOverrides.put(k, merge(v, Price.FREE)));
    if (catalog != null) {
      for (ModelGroup g : catalog.groups()) {
        Price max = null;
        for (Deployment d : g.deployments()) {
          Price p = price(d);
          max = max == null ? p : max.max(p);
        }
        admission.put(g.name(), max == null ? Price.FREE : max);
      }
    }
  }

  @Override
  public Price price(Deployment d) {
    Price p = byDeployment.get(d);
    if (p == null) {
      p = resolve(d.name(), d.group(), d.upstreamModel());
      byDeployment.put(d, p);
    }
    return p;
  }

  @Override
  public Price admissionPrice(String group) {
    Price p = admission.get(group);
    return p != null ? p : resolve(null, group, group);
  }

  /** The price for a model name alone (no deployment known). */
  public Price priceOfModel(String model) {
    return resolve(null, model, model);
  }

  private Price resolve(String deployment, String group, String upstreamModel) {
    if (deployment != null && deploymentOverrides.containsKey(deployment)) {
      return deploymentOverrides.get(deployment);
    }
    if (modelOverrides.containsKey(group)) {
      return modelOverrides.get(group);
    }
    if (modelOverrides.containsKey(upstreamModel)) {
      return modelOverrides.get(upstreamModel);
    }
    Price p = lookupShipped(upstreamModel);
    if (p == null) {
      p = lookupShipped(group);
    }
    return p == null ? Price.FREE : p;
  }

  /** Exact entry, or the longest entry the model name starts with. */
  private Price lookupShipped(String model) {
    if (model == null) {
      return null;
    }
    Price exact = shipped.get(model);
    if (exact != null) {
      return exact;
    }
    String best = null;
    for (String k : shipped.keySet()) {
      if (model.startsWith(k) && (best == null || k.length() > best.length())) {
        best = k;
      }
    }
    return best == null ? null : shipped.get(best);
  }

  private static Price merge(PriceConfig c, Price base) {
    Price b = base == null ? Price.FREE : base;
    double in = c.input() != null ? c.input() * 1000 : b.input();
    double out = c.output() != null ? c.output() * 1000 : b.output();
    double cached = c.cachedInput() != null ? c.cachedInput() * 1000 : c.input() != null ? in : b.cachedInput();
    double written = c.cacheWriteInput() != null ? c.cacheWriteInput() * 1000
        : c.input() != null ? in : b.cacheWriteInput();
    long maxOutput = c.maxOutputTokens() != null ? c.maxOutputTokens() : b.maxOutputTokens();
    return new Price(in, cached, written, out, maxOutput);
  }

  private static Map<String, Price> loadShipped() {
    try (InputStream in = PriceTable.class.getResourceAsStream("/pricing.json")) {
      if (in == null) {
        throw new IllegalStateException("pricing.json is missing from the class path");
      }
      JsonNode root = new ObjectMapper().readTree(in);
      Map<String, Price> out = new HashMap<>();
      Iterator<Map.Entry<String, JsonNode>> it = root.path("models").fields();
      while (it.hasNext()) {
        var e = it.next();
        JsonNode v = e.getValue();
        double input = v.path("input").asDouble(0);
        out.put(e.getKey(), Price.perMillion(input, v.path("cached_input").asDouble(input),
            v.path("cache_write_input").asDouble(input), v.path("output").asDouble(0),
            v.path("max_output").asLong(DEFAULT_MAX_OUTPUT_TOKENS)));
      }
      return Map.copyOf(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
