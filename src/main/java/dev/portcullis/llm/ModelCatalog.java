package dev.portcullis.llm;

import dev.portcullis.config.GatewayConfig;
import dev.portcullis.config.DeploymentConfig;
import dev.portcullis.config.GatewayConfig.ModelGroupConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The model groups clients may ask for, built once from configuration. */
public final class ModelCatalog {
  private final Map<String, ModelGroup> groups;
  private final Map<String, List<ModelGroup>> chains;

  /**
   * @param adapters the wire adapter for each provider type
   * @param baseUrls the base URL of a deployment when it is not in its config (demo, openai)
   */
  public ModelCatalog(GatewayConfig config, Function<String, ProviderAdapter> adapters,
      Function<DeploymentConfig, String> baseUrls) {
    Map<String, ModelGroup> built = new LinkedHashMap<>();
    for (Map.Entry<String, ModelGroupConfig> e : config.models().entrySet()) {
      String name = e.getKey();
      ModelGroupConfig g = e.getValue();
      List<Deployment> deployments = new ArrayList<>();
      for (int i = 0; i < g.deployments().size(); i++) {
        DeploymentConfig d = g.deployments().get(i);
        String dname = d.name() != null ? d.name() : name + "-" + (i + 1);
        String base = d.baseUrl() != null ? d.baseUrl() : baseUrls.apply(d);
        deployments.add(new Deployment(name, dname, d, stripSlash(base), adapters.apply(d.type())));
      }
      built.put(name, new ModelGroup(name, ModelGroup.Strategy.of(g.strategy()), List.copyOf(deployments),
          g.fallbacks()));
    }
    this.groups = Collections.unmodifiableMap(built);
    Map<String, List<ModelGroup>> c = new LinkedHashMap<>();
    for (ModelGroup g : groups.values()) {
      List<ModelGroup> chain = new ArrayList<>();
      chain.add(g);
      for (String fb : g.fallbacks()) {
        ModelGroup f = groups.get(fb);
        if (f != null && !chain.contains(f)) {
          chain.add(f);
        }
      }
      c.put(g.name(), List.copyOf(chain));
    }
    this.chains = Collections.unmodifiableMap(c);
  }

  /** The group for {@code model} followed by its fallbacks, or null for an unknown model. */
  public List<ModelGroup> chain(String model) {
    return chains.get(model);
  }

  public Collection<ModelGroup> groups() {
    return groups.values();
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
