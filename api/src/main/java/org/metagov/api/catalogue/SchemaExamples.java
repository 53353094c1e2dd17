package org.metagov.api.catalogue;

import java.util.HashSet;
import java.util.Set;
import org.metagov.activities.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * An example value built from a plugin's JSON Schema, for the operations whose tutorial example is
 * not in openapi/examples.json: the schema's own example, default, const or first enum value where
 * it gives one, otherwise a value of its type within its bounds. Objects carry their required
 * properties and those with a default. OpenApiDocumentTest validates every example against its
 * schema.
 */
final class SchemaExamples {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private SchemaExamples() {}

  static JsonNode of(JsonNode schema) {
    if (schema == null || !schema.isObject()) {
      return NODES.objectNode();
    }
    if (schema.path("examples").isArray() && !schema.path("examples").isEmpty()) {
      return schema.get("examples").get(0);
    }
    for (String given : new String[] {"example", "default", "const"}) {
      if (schema.has(given)) {
        return schema.get(given);
      }
    }
    if (schema.path("enum").isArray() && !schema.path("enum").isEmpty()) {
      return schema.get("enum").get(0);
    }
    if (!schema.has("type") && !schema.has("properties")) {
      for (String choice : new String[] {"oneOf", "anyOf", "allOf"}) {
        if (schema.path(choice).isArray() && !schema.path(choice).isEmpty()) {
          return of(schema.get(choice).get(0));
        }
      }
    }
    return switch (type(schema)) {
      case "object" -> object(schema);
      case "array" -> array(schema);
      case "string" -> string(schema);
      case "integer" ->
          NODES.numberNode(Math.max(1, (long) Math.ceil(schema.path("minimum").asDouble(1))));
      case "number" -> NODES.numberNode(Math.max(1.0, schema.path("minimum").asDouble(1)));
      case "boolean" -> NODES.booleanNode(true);
      case "null" -> NODES.nullNode();
      default -> NODES.objectNode();
    };
  }

  private static String type(JsonNode schema) {
    JsonNode type = schema.get("type");
    if (type == null) {
      return schema.has("properties") ? "object" : "any";
    }
    if (type.isArray()) {
      for (JsonNode one : type) {
        if (!"null".equals(one.asString())) {
          return one.asString();
        }
      }
      return "null";
    }
    return type.asString();
  }

  private static ObjectNode object(JsonNode schema) {
    ObjectNode example = Json.object();
    Set<String> required = new HashSet<>();
    schema.path("required").forEach(name -> required.add(name.asString()));
    // An object that needs one of several sets of properties (oneOf/anyOf of "required" lists) gets
    // the first set.
    for (String choice : new String[] {"oneOf", "anyOf"}) {
      schema.path(choice).path(0).path("required").forEach(name -> required.add(name.asString()));
    }
    schema
        .path("allOf")
        .forEach(part -> part.path("required").forEach(name -> required.add(name.asString())));
    schema
        .path("properties")
        .properties()
        .forEach(
            property -> {
              if (required.contains(property.getKey()) || property.getValue().has("default")) {
                example.set(property.getKey(), of(property.getValue()));
              }
            });
    return example;
  }

  private static ArrayNode array(JsonNode schema) {
    ArrayNode example = NODES.arrayNode();
    int count = Math.max(1, schema.path("minItems").asInt(1));
    for (int i = 0; i < count; i++) {
      JsonNode item = of(schema.path("items"));
      example.add(
          item.isString() && schema.path("uniqueItems").asBoolean(false)
              ? NODES.stringNode(item.asString() + (i + 1))
              : item);
    }
    return example;
  }

  private static JsonNode string(JsonNode schema) {
    String value =
        switch (schema.path("format").asString("")) {
          case "uri", "url" -> "https://example.org";
          case "date" -> "2030-01-01";
          case "date-time" -> "2030-01-01T00:00:00Z";
          case "email" -> "someone@example.org";
          default -> "text";
        };
    int min = schema.path("minLength").asInt(0);
    return NODES.stringNode(
        value.length() >= min ? value : value + "x".repeat(min - value.length()));
  }
}
