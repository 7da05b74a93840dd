package dev.portcullis.mcp.era;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.protocol.McpError;
import org.junit.jupiter.api.Test;

class EraTranslationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final EraTranslation eras = new EraTranslation("9.9.9");

  @Test
  void eachEraLacksTheOthersMethodsAndSaysWhy() {
    McpError listen = eras.unsupported("subscriptions/listen", false, null);
    assertThat(listen.code()).isEqualTo(McpError.METHOD_NOT_FOUND);
    assertThat(listen.getMessage()).contains("sessions use the GET stream");
    McpError initialize = eras.unsupported("initialize", true, "2026-07-28");
    assertThat(initialize.code()).isEqualTo(McpError.METHOD_NOT_FOUND);
    assertThat(initialize.getMessage()).contains("not part of protocol version 2026-07-28");
    assertThat(eras.unsupported("ping", true, "2026-07-28")).isNotNull();

    assertThat(eras.unsupported("initialize", false, null)).isNull();
    assertThat(eras.unsupported("subscriptions/listen", true, "2026-07-28")).isNull();
    assertThat(eras.unsupported("tools/call", true, "2026-07-28")).isNull();
    assertThat(eras.unsupported("tools/call", false, null)).isNull();
  }

  @Test
  void aStatelessClientsResultSaysItsTypeItsCacheabilityAndWhoAnswered() throws Exception {
    ObjectNode list = (ObjectNode) eras.toStateless("crm", "tools/list", JSON.readTree("{\"tools\":[]}"));
    assertThat(list.path("resultType").asText()).isEqualTo("complete");
    assertThat(list.path("cacheScope").asText()).isEqualTo("private");
    assertThat(list.path("ttlMs").asInt()).isZero();
    assertThat(list.at("/_meta/io.modelcontextprotocol~1serverInfo/name").asText()).isEqualTo("portcullis/crm");
    assertThat(list.at("/_meta/io.modelcontextprotocol~1serverInfo/version").asText()).isEqualTo("9.9.9");

    ObjectNode call = (ObjectNode) eras.toStateless("", "tools/call", JSON.readTree(
        "{\"resultType\":\"input_required\",\"_meta\":{\"k\":1}}"));
    assertThat(call.path("resultType").asText()).isEqualTo("input_required");
    assertThat(call.has("cacheScope")).isFalse();
    assertThat(call.at("/_meta/k").asInt()).isEqualTo(1);
    assertThat(call.at("/_meta/io.modelcontextprotocol~1serverInfo/name").asText()).isEqualTo("portcullis");
  }

  @Test
  void aSessionClientSeesNoneOfTheStatelessFields() throws Exception {
    ObjectNode fromModern = (ObjectNode) EraTranslation.toSession(eras.toStateless("", "resources/read",
        JSON.readTree("{\"contents\":[]}")));
    assertThat(fromModern.fieldNames()).toIterable().containsExactly("contents");

    ObjectNode keepsOtherMeta = (ObjectNode) EraTranslation.toSession(eras.toStateless("", "tools/call",
        JSON.readTree("{\"content\":[],\"_meta\":{\"trace\":\"t\"}}")));
    assertThat(keepsOtherMeta.path("_meta").fieldNames()).toIterable().containsExactly("trace");
  }
}
