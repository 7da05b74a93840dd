package dev.portcullis.mcp.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.config.OpenApiConfig.FilterConfig;
import dev.portcullis.config.OpenApiConfig.PrivateAccess;
import dev.portcullis.config.OpenApiConfig.ToolOverride;
import dev.portcullis.mcp.NodeSupport;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real public descriptions (Petstore 3.0, 3.1 and 2.0, the Star Trek API) from the npm package
 * {@code @readme/oas-examples}, and our own edge cases, imported as tool lists.
 */
class OpenApiImportTest {
  static final String DIR = "src/test/resources/openapi/";
  static final SsrfGuard NO_PRIVATE = new SsrfGuard(PrivateAccess.NONE);
  static RecordingApiServer files;

  @BeforeAll
  static void start() throws Exception {
    files = new RecordingApiServer();
  }

  @AfterAll
  static void stop() throws Exception {
    files.close();
  }

  /**
   * Loads a description as an upstream with these address rules does (with a Vert.x of its own:
   * other test classes call this after this class has finished).
   */
  static SpecLoader.Spec load(String location, SsrfGuard guard) throws SpecLoader.SpecException {
    Vertx vertx = Vertx.vertx();
    try {
      return SpecLoader.load(location, SpecLoader.fetcher(vertx, vertx.createHttpClient(), guard, 10_000));
    } finally {
      vertx.close();
    }
  }

  static List<OperationTool> tools(String file) throws Exception {
    return ToolMapper.map(load(DIR + file, NO_PRIVATE));
  }

  /** A document of {@code @readme/oas-examples}, e.g. "3.0/json/petstore.json" (skipped or failed if missing). */
  static List<OperationTool> example(String file) throws Exception {
    return ToolMapper.map(load(NodeSupport.oasExample(file), NO_PRIVATE));
  }

  static OperationTool tool(List<OperationTool> tools, String name) {
    return tools.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
  }

  static List<String> names(List<OperationTool> tools) {
    return tools.stream().map(OperationTool::name).toList();
  }

  @Test
  void petstoreOpenApi30() throws Exception {
    List<OperationTool> tools = example("3.0/json/petstore.json");
    assertThat(names(tools)).containsExactly("updatePet", "addPet", "findPetsByStatus", "findPetsByTags",
        "getPetById", "updatePetWithForm", "deletePet", "uploadFile", "getInventory", "placeOrder", "getOrderById",
        "deleteOrder", "createUser", "createUsersWithArrayInput", "createUsersWithListInput", "loginUser",
        "logoutUser", "getUserByName", "updateUser", "deleteUser");
    OperationTool get = tool(tools, "getPetById");
    JsonNode def = get.definition();
    assertThat(def.path("description").asText()).startsWith("Find pet by ID");
    assertThat(def.at("/inputSchema/properties/petId/type").asText()).isEqualTo("integer");
    assertThat(def.at("/inputSchema/required").toString()).isEqualTo("[\"petId\"]");
    assertThat(def.at("/inputSchema/additionalProperties").asBoolean(true)).isFalse();
    assertThat(def.at("/outputSchema/type").asText()).isEqualTo("object");
    assertThat(def.at("/outputSchema/properties/name/type").asText()).isEqualTo("string");
    assertThat(def.at("/annotations/readOnlyHint").asBoolean()).isTrue();
    assertThat(def.at("/annotations/idempotentHint").asBoolean()).isTrue();
    JsonNode del = tool(tools, "deletePet").definition();
    assertThat(del.at("/annotations/readOnlyHint").asBoolean()).isFalse();
    assertThat(del.at("/annotations/destructiveHint").asBoolean()).isTrue();
    assertThat(del.at("/annotations/idempotentHint").asBoolean()).isTrue();
    assertThat(del.at("/inputSchema/properties").has("api_key")).isTrue();
    JsonNode put = tool(tools, "updatePet").definition();
    assertThat(put.at("/annotations/destructiveHint").asBoolean()).isTrue();
    assertThat(put.at("/annotations/idempotentHint").asBoolean()).isTrue();
    JsonNode add = tool(tools, "addPet").definition();
    assertThat(add.at("/annotations/destructiveHint").asBoolean(true)).isFalse();
    assertThat(add.at("/annotations/idempotentHint").asBoolean(true)).isFalse();
    assertThat(add.at("/inputSchema/required").toString()).isEqualTo("[\"body\"]");
    assertThat(add.at("/inputSchema/properties/body/required").toString()).isEqualTo("[\"name\",\"photoUrls\"]");
    assertThat(add.at("/inputSchema/properties/body/properties/category/properties/name/type").asText())
        .isEqualTo("string"); // $ref inlined
    assertThat(tool(tools, "addPet").body().mediaType()).isEqualTo("application/json");
    JsonNode byStatus = tool(tools, "findPetsByStatus").definition();
    assertThat(byStatus.at("/inputSchema/properties/status/type").asText()).isEqualTo("array");
    assertThat(byStatus.at("/inputSchema/properties/status/items/enum").toString())
        .isEqualTo("[\"available\",\"pending\",\"sold\"]");
    assertThat(byStatus.at("/outputSchema/properties/result/type").asText()).isEqualTo("array"); // wrapped
    for (OperationTool t : tools) {
      assertThat(t.definition().toString()).doesNotContain("$ref");
    }
  }

  @Test
  void petstoreSwagger20IsConverted() throws Exception {
    List<OperationTool> tools = example("2.0/json/petstore.json");
    assertThat(names(tools)).containsExactly("updatePet", "addPet", "findPetsByStatus", "findPetsByTags",
        "getPetById", "updatePetWithForm", "deletePet", "uploadFile", "getInventory", "placeOrder", "getOrderById",
        "deleteOrder", "createUser", "createUsersWithArrayInput", "createUsersWithListInput", "loginUser",
        "logoutUser", "getUserByName", "updateUser", "deleteUser");
    OperationTool form = tool(tools, "updatePetWithForm");
    assertThat(form.body().mediaType()).isEqualTo("application/x-www-form-urlencoded");
    assertThat(form.definition().at("/inputSchema/properties/body/properties/name/type").asText()).isEqualTo("string");
    assertThat(tool(tools, "uploadFile").body().mediaType()).isEqualTo("multipart/form-data");
    JsonNode byStatus = tool(tools, "findPetsByStatus").definition();
    assertThat(byStatus.at("/inputSchema/properties/status/type").asText()).isEqualTo("array");
    assertThat(byStatus.at("/inputSchema/required").toString()).isEqualTo("[\"status\"]");
    assertThat(tool(tools, "findPetsByStatus").params().get(0).explode()).isTrue(); // collectionFormat: multi
    assertThat(tool(tools, "getOrderById").definition().at("/inputSchema/properties/orderId/maximum").asInt())
        .isEqualTo(10);
  }

  @Test
  void petstoreOpenApi31() throws Exception {
    List<OperationTool> tools = example("3.1/json/petstore.json");
    assertThat(names(tools)).containsExactly("updatePet", "addPet", "findPetsByStatus", "findPetsByTags",
        "getPetById", "updatePetWithForm", "deletePet", "uploadFile", "getInventory", "placeOrder", "getOrderById",
        "deleteOrder", "createUser", "createUsersWithArrayInput", "createUsersWithListInput", "loginUser",
        "logoutUser", "getUserByName", "updateUser", "deleteUser");
    assertThat(tool(tools, "getPetById").definition().at("/outputSchema/type").asText()).isEqualTo("object");
    assertThat(tool(tools, "uploadFile").body().mediaType()).isEqualTo("application/octet-stream");
  }

  @Test
  void starTrekApiLargeRealWorldSpec() throws Exception {
    List<OperationTool> tools = example("3.0/json/star-trek.json"); // STAPI, 120 operations, ≈500 KB
    assertThat(tools).hasSize(120);
    assertThat(names(tools)).startsWith("get_animal", "get_animal_search", "post_animal_search")
        .contains("get_book", "get_character_search", "post_episode_search", "get_spacecraftClass", "get_weapon")
        .endsWith("post_weapon_search")
        .doesNotHaveDuplicates();
    for (OperationTool t : tools) {
      String s = t.definition().toString();
      assertThat(s).doesNotContain("\"$ref\"");
      assertThat(s.length()).as(t.name()).isLessThan(200_000);
      assertThat(t.name()).matches("[A-Za-z0-9_-]{1,64}");
    }
    OperationTool get = tool(tools, "get_animal");
    assertThat(get.method()).isEqualTo("GET");
    assertThat(get.path()).isEqualTo("/animal");
    assertThat(get.definition().at("/inputSchema/properties/uid/type").asText()).isEqualTo("string");
    assertThat(get.definition().at("/inputSchema/required").toString()).isEqualTo("[\"uid\"]");
    assertThat(get.definition().at("/outputSchema/properties/animal/properties/avian/type").asText())
        .isEqualTo("boolean");
    assertThat(get.definition().at("/annotations/readOnlyHint").asBoolean()).isTrue();
    OperationTool search = tool(tools, "post_animal_search");
    assertThat(search.method()).isEqualTo("POST");
    assertThat(search.path()).isEqualTo("/animal/search");
    assertThat(search.body().mediaType()).isEqualTo("application/x-www-form-urlencoded");
    assertThat(search.definition().at("/inputSchema/properties/body/properties/canine/type").asText())
        .isEqualTo("boolean");
    assertThat(search.definition().at("/annotations/readOnlyHint").asBoolean()).isFalse();
  }

  @Test
  void namesAreSanitisedUniqueAndDerivedFromThePathWithoutOperationId() throws Exception {
    List<OperationTool> tools = tools("edge-api.yaml");
    assertThat(names(tools)).contains("get_odd_names_id", "list_items", "list_items_2");
    OperationTool odd = tool(tools, "get_odd_names_id");
    // the same name in path and query becomes two arguments; invalid characters are replaced
    assertThat(odd.definition().at("/inputSchema/properties").fieldNames()).toIterable()
        .containsExactly("id", "query_id", "x_filter_");
    assertThat(odd.definition().path("description").asText()).isEqualTo("No operationId here");
    // header parameters named Accept are ignored (OpenAPI rule); recursion is cut with a note
    assertThat(tool(tools, "styles").definition().at("/inputSchema/properties").has("Accept")).isFalse();
    JsonNode tree = tool(tools, "tree").definition().at("/outputSchema");
    assertThat(tree.at("/properties/result/properties/children/items/description").asText())
        .contains("recursive"); // a nullable object is wrapped as {"result": ...}
    // OpenAPI 3.0 dialect translated to JSON Schema 2020-12
    JsonNode node = SchemaConverterAccess.input(load(DIR + "edge-api.yaml", NO_PRIVATE), "Node");
    assertThat(node.path("type").toString()).isEqualTo("[\"object\",\"null\"]");
    assertThat(node.at("/properties/weight/exclusiveMinimum").asInt()).isZero();
    assertThat(node.at("/properties/weight").has("minimum")).isFalse();
    assertThat(node.at("/properties/name/examples").toString()).isEqualTo("[\"root\"]");
  }

  @Test
  void localFileRefsAcrossFilesAreResolved() throws Exception {
    List<OperationTool> tools = tools("multi/main.yaml");
    assertThat(names(tools)).containsExactly("getThing", "putThing");
    JsonNode put = tool(tools, "putThing").definition();
    assertThat(put.at("/inputSchema/properties/thingId/pattern").asText()).isEqualTo("^[a-z0-9-]+$");
    assertThat(put.at("/inputSchema/properties/body/properties/owner/properties/email/format").asText())
        .isEqualTo("email");
    assertThat(put.at("/inputSchema/required").toString()).isEqualTo("[\"thingId\",\"body\"]");
  }

  @Test
  void remoteSpecAndRemoteRefsAreResolvedWhenTheirAddressIsAllowed() throws Exception {
    String url = files.url("/files/main.yaml");
    // the description and its refs are served by a local server: refused unless private addresses are allowed
    assertThatThrownBy(() -> load(url, NO_PRIVATE))
        .hasMessageContaining("127.0.0.1").hasMessageContaining("loopback");
    SpecLoader.Spec spec = load(url, new SsrfGuard(new PrivateAccess(false, List.of("127.0.0.1/32"))));
    List<OperationTool> tools = ToolMapper.map(spec);
    assertThat(names(tools)).containsExactly("getThing", "putThing");
    assertThat(tool(tools, "getThing").definition().at("/outputSchema/properties/owner/properties/email/type")
        .asText()).isEqualTo("string");
    assertThat(files.count("/files/schemas.yaml")).isPositive();
  }

  @Test
  void filtersAndOverrides() throws Exception {
    List<OperationTool> all = example("3.0/json/petstore.json");
    FilterConfig petReads = new FilterConfig(List.of("pet"), null, List.of("get"), null);
    assertThat(names(ToolSelection.apply(all, petReads, null, Map.of())))
        .containsExactly("findPetsByStatus", "findPetsByTags", "getPetById");
    FilterConfig noWrites = new FilterConfig(null, null, List.of("DELETE", "PUT"), List.of("*User*"));
    assertThat(names(ToolSelection.apply(all, null, noWrites, Map.of())))
        .containsExactly("addPet", "findPetsByStatus", "findPetsByTags", "getPetById", "updatePetWithForm",
            "uploadFile", "getInventory", "placeOrder", "getOrderById");
    FilterConfig storePaths = new FilterConfig(null, List.of("/store/*"), null, null);
    assertThat(names(ToolSelection.apply(all, storePaths, null, Map.of())))
        .containsExactly("getInventory", "placeOrder", "getOrderById", "deleteOrder");
    List<OperationTool> renamed = ToolSelection.apply(all, storePaths, null,
        Map.of("getInventory", new ToolOverride("stock_levels", "How many pets per status."),
            "placeOrder", new ToolOverride(null, "Order a pet.")));
    assertThat(names(renamed)).containsExactly("stock_levels", "placeOrder", "getOrderById", "deleteOrder");
    assertThat(renamed.get(0).definition().path("name").asText()).isEqualTo("stock_levels");
    assertThat(renamed.get(0).description()).isEqualTo("How many pets per status.");
    assertThat(renamed.get(1).description()).isEqualTo("Order a pet.");
    assertThatThrownBy(() -> ToolSelection.apply(all, storePaths, null,
        Map.of("getInventory", new ToolOverride("placeOrder", null)))).hasMessageContaining("placeOrder");
  }

  @Test
  void badDescriptionsFailClearly() {
    assertThatThrownBy(() -> load(DIR + "nope.yaml", NO_PRIVATE)).hasMessageContaining("not found");
    assertThatThrownBy(() -> load(DIR + "README.md", NO_PRIVATE))
        .hasMessageContaining("not an OpenAPI");
  }
}
