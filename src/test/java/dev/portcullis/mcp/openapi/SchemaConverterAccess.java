package dev.portcullis.mcp.openapi;

import com.fasterxml.jackson.databind.JsonNode;

/** Converts one component schema, as an input schema, for assertions. */
final class SchemaConverterAccess {
  private SchemaConverterAccess() {}

  static JsonNode input(SpecLoader.Spec spec, String component) {
    return new SchemaConverter(spec.document(), spec.openapi30(), 1000)
        .convert(spec.document().at("/components/schemas/" + component), false);
  }
}
