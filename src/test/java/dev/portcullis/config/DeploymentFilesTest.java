package dev.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment files users copy: deploy/compose.yaml with its HAProxy and gateway
 * configurations, and the Helm chart deploy/helm/portcullis rendered with its default values.
 * Each parses, has the parts the deployment guide promises, and its gateway configuration is
 * one the gateway accepts.
 */
class DeploymentFilesTest {
  private static final Path DEPLOY = Path.of("deploy");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** What the Secret (Helm) or deploy/.env (Compose) provides. */
  private static final Map<String, String> SECRETS = Map.of(
      "POSTGRES_PASSWORD", "pw", "PORTCULLIS_ADMIN_KEY", "admin-key",
      "AUDIT_CHAIN_KEY", "0123456789abcdef0123456789abcdef", "AUDIT_CHECKPOINT_KEY", "{}",
      "PORTCULLIS_STORE_URL", "jdbc:postgresql://db:5432/portcullis", "PORTCULLIS_STORE_USER", "portcullis",
      "PORTCULLIS_STORE_PASSWORD", "pw", "PORTCULLIS_REDIS_URL", "redis://:secret@redis:6379");

  @TempDir
  Path dir;

  @Test
  void composeRunsTwoReplicasOnPostgresAndRedisBehindHaproxy() throws Exception {
    // SnakeYAML (beneath Jackson's YAML) resolves the x-portcullis anchor as Compose does
    JsonNode compose = YAML.valueToTree(new org.yaml.snakeyaml.Yaml().load(Files.readString(DEPLOY.resolve("compose.yaml"))));
    JsonNode services = compose.path("services");
    List<String> gateways = new ArrayList<>();
    services.fields().forEachRemaining(e -> {
      if (e.getValue().path("image").asText().startsWith("portcullis:")) {
        gateways.add(e.getKey());
      }
    });
    assertThat(gateways).hasSize(2);
    assertThat(services.path("postgres").path("image").asText()).startsWith("postgres:");
    assertThat(services.path("redis").path("image").asText()).startsWith("redis:");
    assertThat(services.path("haproxy").path("image").asText()).startsWith("haproxy:");

    String haproxy = Files.readString(DEPLOY.resolve("haproxy.cfg"));
    assertThat(haproxy).contains("balance roundrobin").contains("option httpchk GET /readyz")
        .doesNotContain("cookie").doesNotContain("stick-table").doesNotContain("stick on");
    for (String g : gateways) {
      assertThat(haproxy).containsPattern("server " + g + " " + g + ":8080 check");
    }

    GatewayConfig c = load(Files.readString(DEPLOY.resolve("portcullis.yaml")));
    assertThat(c.cluster().enabled()).isTrue();
    assertThat(c.cluster().redis().url()).isEqualTo("redis://redis:6379");
    assertThat(c.store().url()).startsWith("jdbc:postgresql://postgres:");
    assertThat(Files.readString(DEPLOY.resolve(".env.example")))
        .contains("POSTGRES_PASSWORD=").contains("PORTCULLIS_ADMIN_KEY=").contains("AUDIT_CHAIN_KEY=");
  }

  @Test
  void helmChartRendersReplicasProbesDisruptionBudgetConfigMapAndSecrets() throws Exception {
    Path chartDir = DEPLOY.resolve("helm/portcullis");
    JsonNode chart = YAML.readTree(chartDir.resolve("Chart.yaml").toFile());
    JsonNode values = YAML.readTree(chartDir.resolve("values.yaml").toFile());
    assertThat(chart.path("apiVersion").asText()).isEqualTo("v2");
    HelmSubset helm = new HelmSubset("gw", chart, values);
    Map<String, JsonNode> byKind = new HashMap<>();
    try (Stream<Path> templates = Files.list(chartDir.resolve("templates"))) {
      for (Path t : templates.sorted().toList()) {
        String rendered = helm.render(Files.readString(t));
        assertThat(rendered).as(t.toString()).doesNotContain("{{");
        JsonNode doc = YAML.readTree(rendered);
        assertThat(doc.path("metadata").path("name").asText()).as(t.toString()).startsWith("gw");
        byKind.put(doc.path("kind").asText(), doc);
      }
    }
    assertThat(byKind).containsOnlyKeys("Deployment", "Service", "PodDisruptionBudget", "ConfigMap");

    JsonNode deployment = byKind.get("Deployment").path("spec");
    assertThat(deployment.path("replicas").asInt()).isEqualTo(values.path("replicaCount").asInt()).isGreaterThan(1);
    JsonNode container = deployment.path("template").path("spec").path("containers").get(0);
    assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/readyz");
    assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/healthz");
    assertThat(container.path("envFrom").get(0).path("secretRef").path("name").asText())
        .isEqualTo(values.path("existingSecret").asText());
    assertThat(container.path("image").asText()).isEqualTo("portcullis:" + chart.path("appVersion").asText());
    assertThat(container.path("volumeMounts").get(0).path("mountPath").asText()).isEqualTo("/config");
    JsonNode volume = deployment.path("template").path("spec").path("volumes").get(0);
    assertThat(volume.path("configMap").path("name").asText())
        .isEqualTo(byKind.get("ConfigMap").path("metadata").path("name").asText());

    JsonNode pdb = byKind.get("PodDisruptionBudget").path("spec");
    assertThat(pdb.path("maxUnavailable").asInt()).isEqualTo(1);
    assertThat(pdb.path("selector")).isEqualTo(deployment.path("selector"));
    assertThat(byKind.get("Service").path("spec").path("selector"))
        .isEqualTo(deployment.path("selector").path("matchLabels"));
    assertThat(byKind.get("Service").path("spec").has("sessionAffinity")).as("no sticky sessions").isFalse();

    String config = byKind.get("ConfigMap").path("data").path("portcullis.yaml").asText();
    GatewayConfig c = load(config);
    assertThat(c.cluster().redis().url()).as("from the Secret").isEqualTo("redis://:secret@redis:6379");
    assertThat(c.store().url()).isEqualTo("jdbc:postgresql://db:5432/portcullis");
    assertThat(c.admin().key()).isEqualTo("admin-key");
    assertThat(config).doesNotContain("secret@").as("secrets stay in the Secret");
  }

  private GatewayConfig load(String yaml) throws Exception {
    Path f = dir.resolve("portcullis-" + System.nanoTime() + ".yaml");
    Files.writeString(f, yaml);
    return new ConfigLoader(new EnvInterpolator(SECRETS::get)).load(f);
  }

}
