package org.metagov.activities.json;

import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one JSON mapper of plugin code, and conversions between JSON trees and workflow-boundary
 * maps.
 */
public final class Json {

  public static final JsonMapper MAPPER = JsonMapper.builder().build();

  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  private Json() {}

  public static JsonNode parse(String json) {
    return MAPPER.readTree(json);
  }

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("value cannot be written as JSON", e);
    }
  }

  public static Map<String, Object> toMap(JsonNode node) {
    return MAPPER.convertValue(node, MAP);
  }

  public static ObjectNode fromMap(Map<String, ?> map) {
    return map == null ? object() : MAPPER.valueToTree(map);
  }
}
