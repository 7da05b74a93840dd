package dev.portcullis.mcp.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Arguments to exact HTTP requests: every parameter style, encoding, bodies, refusals. */
class RequestBuilderTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static List<OperationTool> edge;
  final RequestBuilder builder = new RequestBuilder("https://api.example.com/base/", JSON);

  @BeforeAll
  static void load() throws Exception {
    edge = OpenApiImportTest.tools("edge-api.yaml");
  }

  /** Petstore 3.0 from @readme/oas-examples (the test is skipped, or fails under CI, without it). */
  static List<OperationTool> pets() throws Exception {
    return OpenApiImportTest.example("3.0/json/petstore.json");
  }

  static List<OperationTool> pets2() throws Exception {
    return OpenApiImportTest.example("2.0/json/petstore.json");
  }

  HttpCall build(List<OperationTool> tools, String name, String args) throws Exception {
    return builder.build(OpenApiImportTest.tool(tools, name), JSON.readTree(args));
  }

  @Test
  void everyStyle() throws Exception {
    HttpCall c = build(edge, "styles", """
        {"label":["a","b c"],"matrix":[1,2],"plain":"x/y?z#w","ids":[1,2,3],"tags":["t 1","t&2"],
         "pipes":["p","q"],"spaces":["s","t"],"filter":{"color":"red","size":3},"point":{"x":1.5,"y":-2},
         "q":"ä ö+€","X-Trace":"abc-123","session":"s1"}""");
    assertThat(c.method()).isEqualTo("GET");
    assertThat(c.url()).isEqualTo("https://api.example.com/base/styles/.a.b%20c/;matrix=1,2/x%2Fy%3Fz%23w"
        + "?ids=1,2,3&tags=t%201&tags=t%262&pipes=p%7Cq&spaces=s%20t&filter[color]=red&filter[size]=3"
        + "&point=x,1.5,y,-2&q=%C3%A4%20%C3%B6%2B%E2%82%AC");
    assertThat(c.header("X-Trace")).isEqualTo("abc-123");
    assertThat(c.header("Cookie")).isEqualTo("session=s1");
    assertThat(c.header("Accept")).isEqualTo("application/json");
    assertThat(c.body()).isNull();
  }

  @Test
  void pathValuesCannotEscapeTheirSegmentOrTheHost() throws Exception {
    assertThat(build(pets(), "getUserByName", "{\"username\":\"../../admin\"}").url())
        .isEqualTo("https://api.example.com/base/user/..%2F..%2Fadmin");
    assertThat(build(pets(), "getUserByName", "{\"username\":\"..\"}").url())
        .isEqualTo("https://api.example.com/base/user/%2E%2E");
    assertThat(build(pets(), "getUserByName", "{\"username\":\"@169.254.169.254\"}").url())
        .isEqualTo("https://api.example.com/base/user/%40169.254.169.254");
    assertThat(build(pets(), "getUserByName", "{\"username\":\"//evil.example/x\"}").url())
        .startsWith("https://api.example.com/base/user/%2F%2Fevil.example");
  }

  @Test
  void labelValuesCannotMakeDotSegments() throws Exception {
    for (String label : List.of("\"\"", "[\"\"]", "[]", "[\"\",\"\"]")) {
      assertThatThrownBy(() -> build(edge, "styles", """
          {"label":%s,"matrix":[1],"plain":"p"}""".formatted(label)))
          .as(label).hasMessageContaining("'.' or '..' path segment");
    }
    assertThat(build(edge, "styles", "{\"label\":[\".\",\".\"],\"matrix\":[1],\"plain\":\"p\"}").url())
        .contains("/styles/.%2E.%2E/");
  }

  @Test
  void jsonFormAndMultipartBodies() throws Exception {
    HttpCall add = build(pets(), "addPet", "{\"body\":{\"name\":\"Rex\",\"photoUrls\":[]}}");
    assertThat(add.method()).isEqualTo("POST");
    assertThat(add.url()).isEqualTo("https://api.example.com/base/pet");
    assertThat(add.header("Content-Type")).isEqualTo("application/json");
    assertThat(new String(add.body(), StandardCharsets.UTF_8)).isEqualTo("{\"name\":\"Rex\",\"photoUrls\":[]}");
    HttpCall form = build(pets2(), "updatePetWithForm", "{\"petId\":7,\"body\":{\"name\":\"A B&C\",\"status\":\"sold\"}}");
    assertThat(form.url()).isEqualTo("https://api.example.com/base/pet/7");
    assertThat(form.header("Content-Type")).isEqualTo("application/x-www-form-urlencoded");
    assertThat(new String(form.body(), StandardCharsets.UTF_8)).isEqualTo("name=A+B%26C&status=sold");
    HttpCall mp = build(edge, "multipartForm", "{\"body\":{\"title\":\"T\",\"count\":2}}");
    String ct = mp.header("Content-Type");
    assertThat(ct).startsWith("multipart/form-data; boundary=");
    String boundary = ct.substring(ct.indexOf('=') + 1);
    assertThat(new String(mp.body(), StandardCharsets.UTF_8)).isEqualTo("--" + boundary + "\r\n"
        + "Content-Disposition: form-data; name=\"title\"\r\n\r\nT\r\n--" + boundary + "\r\n"
        + "Content-Disposition: form-data; name=\"count\"\r\n\r\n2\r\n--" + boundary + "--\r\n");
  }

  @Test
  void badArgumentsAreRefusedWithAReason() throws Exception {
    List<OperationTool> pets = pets();
    assertThatThrownBy(() -> build(pets, "getPetById", "{}")).hasMessageContaining("missing required")
        .hasMessageContaining("petId");
    assertThatThrownBy(() -> build(pets, "getPetById", "{\"petId\":1,\"url\":\"http://169.254.169.254\"}"))
        .hasMessageContaining("unknown argument").hasMessageContaining("url");
    assertThatThrownBy(() -> build(edge, "styles", """
        {"label":["a"],"matrix":[1],"plain":"p","X-Trace":"a\\r\\nHost: evil"}"""))
        .hasMessageContaining("line breaks");
    assertThatThrownBy(() -> build(pets, "getPetById", "[1]")).hasMessageContaining("object");
  }
}
