package org.metagov.activities.plugin;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.metagov.activities.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * JSON Schema support for plugin configs, action parameters and process parameters: validation with
 * field paths, default filling, and the handling of secret ({@code writeOnly}) fields.
 */
public final class Schemas {

  /**
   * What a secret field reads as; sending it back in a PUT keeps the stored value, as long as no
   * field deciding where the secret is sent changed (see {@link #restoreSecrets}).
   */
  public static final String SECRET_PLACEHOLDER = "********";

  private static final SchemaRegistry REGISTRY =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  private static final Map<JsonNode, Schema> COMPILED = new IdentityHashMap<>();

  private Schemas() {}

  /** Parses a schema written as JSON text in a plugin. */
  public static JsonNode schema(String json) {
    return Json.parse(json);
  }

  /**
   * Validates {@code instance} and returns every failure, each with a path that starts with {@code
   * pathPrefix} (for example {@code plugins[2].config}).
   */
  public static List<FieldError> validate(JsonNode schema, JsonNode instance, String pathPrefix) {
    List<FieldError> errors = new ArrayList<>();
    unstorable(instance, pathPrefix == null ? "" : pathPrefix, errors);
    if (!errors.isEmpty()) {
      // Non-finite numbers crash the validator's range checks, and NUL cannot be stored: refuse
      // them first.
      return errors;
    }
    for (Error error : compiled(schema).validate(instance)) {
      errors.add(new FieldError(path(pathPrefix, error), message(error)));
    }
    return errors;
  }

  /**
   * Values no schema may accept: numbers too large for a double (1e400 reads as Infinity) and text
   * with U+0000, which PostgreSQL cannot store in text or jsonb, in values or in property names.
   */
  private static void unstorable(JsonNode node, String path, List<FieldError> errors) {
    if (node == null) {
      return;
    }
    String here = path.isEmpty() ? "$" : path;
    if (node.isNumber()
        && (node.isDouble() || node.isFloat())
        && !Double.isFinite(node.doubleValue())) {
      errors.add(new FieldError(here, "is not a finite number"));
    } else if (node.isString() && node.asString().indexOf('\0') >= 0) {
      errors.add(new FieldError(here, "must not contain the NUL character (U+0000)"));
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        unstorable(node.get(i), path + "[" + i + "]", errors);
      }
    } else if (node.isObject()) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        String child = (path.isEmpty() ? "" : path + ".") + field.getKey().replace("\0", "\\u0000");
        if (field.getKey().indexOf('\0') >= 0) {
          errors.add(
              new FieldError(child, "must not contain the NUL character (U+0000) in its name"));
        }
        unstorable(field.getValue(), child, errors);
      }
    }
  }

  /** Validates and throws {@link InvalidInputException} listing every failing field. */
  public static void requireValid(
      JsonNode schema, JsonNode instance, String pathPrefix, String what) {
    List<FieldError> errors = validate(schema, instance, pathPrefix);
    if (!errors.isEmpty()) {
      throw new InvalidInputException(
          what
              + " failed validation: "
              + errors.get(0).path()
              + " "
              + errors.get(0).message()
              + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : ""),
          errors);
    }
  }

  /**
   * A copy of {@code instance} with the schema's {@code default} values filled in where a property
   * is absent.
   */
  public static ObjectNode withDefaults(JsonNode schema, ObjectNode instance) {
    ObjectNode filled = instance.deepCopy();
    fillDefaults(schema, filled);
    return filled;
  }

  private static void fillDefaults(JsonNode schema, ObjectNode instance) {
    JsonNode properties = schema.path("properties");
    for (Map.Entry<String, JsonNode> property : properties.properties()) {
      JsonNode propertySchema = property.getValue();
      JsonNode value = instance.get(property.getKey());
      if (value == null && propertySchema.has("default")) {
        instance.set(property.getKey(), propertySchema.get("default").deepCopy());
      } else if (value instanceof ObjectNode nested && propertySchema.has("properties")) {
        fillDefaults(propertySchema, nested);
      }
    }
  }

  /** Names of the top-level secret fields of a config schema. */
  public static Set<String> secretFields(JsonNode schema) {
    Set<String> secrets = new LinkedHashSet<>();
    for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
      if (property.getValue().path("writeOnly").asBoolean(false)) {
        secrets.add(property.getKey());
      }
    }
    return secrets;
  }

  /** A copy of a config with every secret that is set replaced by the placeholder. */
  public static ObjectNode redact(JsonNode schema, JsonNode config) {
    ObjectNode redacted = config.deepCopy() instanceof ObjectNode o ? o : Json.object();
    for (String secret : secretFields(schema)) {
      if (redacted.has(secret) && !redacted.get(secret).isNull()) {
        redacted.put(secret, SECRET_PLACEHOLDER);
      }
    }
    return redacted;
  }

  /** JSON Schema {@code format}s whose values are URLs. */
  private static final Set<String> URL_FORMATS =
      Set.of("uri", "iri", "uri-reference", "iri-reference", "uri-template", "url");

  /**
   * Names of the top-level fields of a config schema that decide where the plugin's calls (and so
   * its secrets) go: every property with a URL {@code format} ({@code uri} and kin) or named {@code
   * url} or {@code *_url}.
   */
  public static Set<String> destinationFields(JsonNode schema) {
    Set<String> fields = new LinkedHashSet<>();
    for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
      String name = property.getKey();
      String format = property.getValue().path("format").asString("");
      if (URL_FORMATS.contains(format) || name.equals("url") || name.endsWith("_url")) {
        fields.add(name);
      }
    }
    return fields;
  }

  /**
   * The destination fields ({@link #destinationFields}) whose value differs between the submitted
   * and the stored config, each side with the schema's defaults filled in. Any textual difference
   * counts: a trailing slash or a change of case is a different URL.
   */
  public static List<String> changedDestinations(
      JsonNode schema, JsonNode submitted, JsonNode stored) {
    ObjectNode before = withDefaults(schema, stored instanceof ObjectNode o ? o : Json.object());
    ObjectNode after = withDefaults(schema, submitted instanceof ObjectNode o ? o : Json.object());
    List<String> changed = new ArrayList<>();
    for (String field : destinationFields(schema)) {
      if (!java.util.Objects.equals(before.get(field), after.get(field))) {
        changed.add(field);
      }
    }
    return changed;
  }

  /**
   * Replaces each secret that holds the placeholder with the stored value. A placeholder with
   * nothing stored behind it is an error: the Driver sent back a value it never set. A stored
   * secret is only ever sent to the URL it was entered with, so the placeholder keeps it only while
   * every destination field ({@link #destinationFields}) is unchanged; otherwise this throws {@link
   * SecretReentryRequiredException} naming each such secret, which must be sent again with its real
   * value.
   */
  public static ObjectNode restoreSecrets(
      JsonNode schema, ObjectNode submitted, JsonNode stored, String pathPrefix) {
    ObjectNode restored = submitted.deepCopy();
    List<FieldError> errors = new ArrayList<>();
    List<FieldError> reentry = new ArrayList<>();
    List<String> changed =
        stored == null ? List.of() : changedDestinations(schema, submitted, stored);
    for (String secret : secretFields(schema)) {
      JsonNode value = restored.get(secret);
      if (value != null && value.isString() && SECRET_PLACEHOLDER.equals(value.asString())) {
        JsonNode previous = stored == null ? null : stored.get(secret);
        if (previous == null || previous.isNull()) {
          errors.add(
              new FieldError(
                  pathPrefix + "." + secret,
                  "is the redaction placeholder but no value is stored for it; send the real value"));
        } else if (!changed.isEmpty()) {
          reentry.add(
              new FieldError(
                  pathPrefix + "." + secret,
                  "is the redaction placeholder but "
                      + String.join(", ", changed)
                      + " changed"
                      + "; a stored secret is only sent to the URL it was entered with, so send the real value again"));
        } else {
          restored.set(secret, previous.deepCopy());
        }
      }
    }
    if (!reentry.isEmpty()) {
      List<FieldError> all = new ArrayList<>(reentry);
      all.addAll(errors);
      throw new SecretReentryRequiredException(
          reentry.get(0).path() + " " + reentry.get(0).message(), all, reentry);
    }
    if (!errors.isEmpty()) {
      throw new InvalidInputException(errors.get(0).path() + " " + errors.get(0).message(), errors);
    }
    return restored;
  }

  /**
   * A secret came back as the placeholder while a field deciding where it is sent changed: the real
   * value must be entered again. {@link #errors()} lists every failure of the config, {@link
   * #secrets()} the secrets to re-enter.
   */
  public static final class SecretReentryRequiredException extends InvalidInputException {

    private final List<FieldError> secrets;

    public SecretReentryRequiredException(
        String detail, List<FieldError> errors, List<FieldError> secrets) {
      super(detail, errors);
      this.secrets = List.copyOf(secrets);
    }

    public List<FieldError> secrets() {
      return secrets;
    }
  }

  private static Schema compiled(JsonNode schema) {
    synchronized (COMPILED) {
      return COMPILED.computeIfAbsent(schema, REGISTRY::getSchema);
    }
  }

  private static String path(String prefix, Error error) {
    StringBuilder path = new StringBuilder(prefix == null ? "" : prefix);
    String location =
        error.getInstanceLocation() == null ? "" : error.getInstanceLocation().toString();
    if (location.startsWith("$")) {
      location = location.substring(1);
      path.append(
          path.length() == 0 && location.startsWith(".") ? location.substring(1) : location);
    } else {
      for (String token : location.split("/")) {
        if (token.isEmpty()) {
          continue;
        }
        String name = token.replace("~1", "/").replace("~0", "~");
        if (name.chars().allMatch(Character::isDigit)) {
          path.append('[').append(name).append(']');
        } else {
          path.append(path.length() == 0 ? "" : ".").append(name);
        }
      }
    }
    String keyword = error.getKeyword();
    if (error.getProperty() != null
        && ("required".equals(keyword) || "additionalProperties".equals(keyword))) {
      path.append(path.length() == 0 ? "" : ".").append(error.getProperty());
    }
    return path.length() == 0 ? "$" : path.toString();
  }

  private static String message(Error error) {
    String message = error.getMessage();
    // The library prefixes some messages with the instance location, which the path already says.
    int colon = message.indexOf(": ");
    if (message.startsWith("$") && colon > 0) {
      message = message.substring(colon + 2);
    }
    return message;
  }
}
