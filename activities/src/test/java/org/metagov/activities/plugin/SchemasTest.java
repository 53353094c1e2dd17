package org.metagov.activities.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.metagov.activities.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Validation paths, default filling, and secret redaction and restoration. */
class SchemasTest {

  private static final JsonNode SCHEMA =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "server_url": {"type": "string", "default": "https://example.org"},
         "api_key": {"type": "string", "writeOnly": true},
         "webhook_secret": {"type": "string", "writeOnly": true},
         "limit": {"type": "integer", "minimum": 1, "default": 10},
         "nested": {"type": "object", "properties": {"depth": {"type": "integer", "default": 2}}},
         "tags": {"type": "array", "items": {"type": "string"}}
       },
       "required": ["api_key"],
       "additionalProperties": false}
      """);

  private static ObjectNode object(String json) {
    return (ObjectNode) Json.parse(json);
  }

  private static List<String> paths(List<FieldError> errors) {
    return errors.stream().map(FieldError::path).toList();
  }

  @Test
  void validationPathsStartWithThePrefixAndNameTheField() {
    assertThat(Schemas.validate(SCHEMA, object("{\"api_key\": \"k\"}"), "plugins[2].config"))
        .isEmpty();
    assertThat(
            paths(
                Schemas.validate(
                    SCHEMA,
                    object("{\"api_key\": \"k\", \"limit\": \"ten\"}"),
                    "plugins[2].config")))
        .containsExactly("plugins[2].config.limit");
    assertThat(paths(Schemas.validate(SCHEMA, object("{\"limit\": 5}"), "plugins[0].config")))
        .containsExactly("plugins[0].config.api_key");
    assertThat(
            paths(Schemas.validate(SCHEMA, object("{\"api_key\": \"k\", \"colour\": 1}"), "cfg")))
        .containsExactly("cfg.colour");
    assertThat(
            paths(
                Schemas.validate(
                    SCHEMA, object("{\"api_key\": \"k\", \"tags\": [\"a\", 3]}"), "cfg")))
        .containsExactly("cfg.tags[1]");
    assertThat(
            paths(
                Schemas.validate(
                    SCHEMA, object("{\"api_key\": \"k\", \"nested\": {\"depth\": \"deep\"}}"), "")))
        .containsExactly("nested.depth");
    assertThat(paths(Schemas.validate(SCHEMA, Json.parse("[]"), ""))).containsExactly("$");
    assertThat(
            Schemas.validate(SCHEMA, object("{\"api_key\": \"k\", \"limit\": 0}"), "p")
                .get(0)
                .message())
        .isNotBlank();
  }

  @Test
  void requireValidThrowsWithEveryFailure() {
    assertThatThrownBy(
            () ->
                Schemas.requireValid(
                    SCHEMA, object("{\"limit\": \"x\", \"colour\": 1}"), "parameters", "The input"))
        .isInstanceOfSatisfying(
            InvalidInputException.class,
            e -> {
              assertThat(paths(e.errors()))
                  .containsExactlyInAnyOrder(
                      "parameters.api_key", "parameters.limit", "parameters.colour");
              assertThat(e.getMessage())
                  .startsWith("The input failed validation: ")
                  .contains("2 more");
            });
  }

  @Test
  void defaultsFillAbsentFieldsOnlyAndLeaveTheInputAlone() {
    ObjectNode input = object("{\"api_key\": \"k\", \"limit\": 3, \"nested\": {}}");
    ObjectNode filled = Schemas.withDefaults(SCHEMA, input);
    assertThat(filled)
        .isEqualTo(
            Json.parse(
                "{\"api_key\": \"k\", \"limit\": 3, \"nested\": {\"depth\": 2}, \"server_url\": \"https://example.org\"}"));
    assertThat(input).isEqualTo(Json.parse("{\"api_key\": \"k\", \"limit\": 3, \"nested\": {}}"));
    // An explicit null is a value, not an absence.
    assertThat(Schemas.withDefaults(SCHEMA, object("{\"limit\": null}")).get("limit").isNull())
        .isTrue();
  }

  @Test
  void secretFieldsAreTheWriteOnlyOnes() {
    assertThat(Schemas.secretFields(SCHEMA)).containsExactly("api_key", "webhook_secret");
    assertThat(Schemas.secretFields(Schemas.schema("{\"type\": \"object\"}"))).isEmpty();
  }

  @Test
  void redactReplacesSetSecretsWithThePlaceholder() {
    ObjectNode stored =
        object("{\"api_key\": \"sk-123\", \"server_url\": \"https://x\", \"limit\": 4}");
    ObjectNode redacted = Schemas.redact(SCHEMA, stored);
    assertThat(redacted)
        .isEqualTo(
            Json.parse("{\"api_key\": \"********\", \"server_url\": \"https://x\", \"limit\": 4}"));
    assertThat(redacted.toString()).doesNotContain("sk-123");
    assertThat(stored.get("api_key").asString())
        .as("the stored config is not changed")
        .isEqualTo("sk-123");
    // Unset or null secrets stay as they are: nothing to hide, and no fake value is invented.
    assertThat(Schemas.redact(SCHEMA, object("{\"webhook_secret\": null}")))
        .isEqualTo(Json.parse("{\"webhook_secret\": null}"));
    assertThat(Schemas.redact(SCHEMA, object("{}"))).isEqualTo(Json.parse("{}"));
  }

  @Test
  void restoreSecretsPutsBackTheStoredValueForThePlaceholder() {
    JsonNode stored =
        Json.parse("{\"api_key\": \"sk-123\", \"webhook_secret\": \"whsec\", \"limit\": 4}");
    ObjectNode submitted =
        object("{\"api_key\": \"********\", \"webhook_secret\": \"new-secret\", \"limit\": 5}");
    ObjectNode restored = Schemas.restoreSecrets(SCHEMA, submitted, stored, "plugins[0].config");
    assertThat(restored)
        .isEqualTo(
            Json.parse(
                "{\"api_key\": \"sk-123\", \"webhook_secret\": \"new-secret\", \"limit\": 5}"));
    assertThat(submitted.get("api_key").asString()).isEqualTo(Schemas.SECRET_PLACEHOLDER);

    // The placeholder in a field that is not secret is just a string.
    JsonNode notSecret =
        Schemas.schema(
            "{\"type\": \"object\", \"properties\": {\"label\": {\"type\": \"string\"}}}");
    assertThat(
            Schemas.restoreSecrets(
                notSecret,
                object("{\"label\": \"********\"}"),
                Json.parse("{\"label\": \"x\"}"),
                "c"))
        .isEqualTo(Json.parse("{\"label\": \"********\"}"));

    // Redact then restore is the identity on the stored config.
    ObjectNode roundTrip =
        Schemas.restoreSecrets(SCHEMA, Schemas.redact(SCHEMA, stored), stored, "c");
    assertThat(roundTrip).isEqualTo(stored);
  }

  @Test
  void thePlaceholderWithNothingStoredIsAnError() {
    ObjectNode submitted = object("{\"api_key\": \"********\", \"webhook_secret\": \"********\"}");
    assertThatThrownBy(() -> Schemas.restoreSecrets(SCHEMA, submitted, null, "plugins[1].config"))
        .isInstanceOfSatisfying(
            InvalidInputException.class,
            e ->
                assertThat(paths(e.errors()))
                    .containsExactly(
                        "plugins[1].config.api_key", "plugins[1].config.webhook_secret"));
    assertThatThrownBy(
            () ->
                Schemas.restoreSecrets(
                    SCHEMA,
                    submitted,
                    Json.parse("{\"api_key\": \"sk\", \"webhook_secret\": null}"),
                    "c"))
        .isInstanceOfSatisfying(
            InvalidInputException.class,
            e -> assertThat(paths(e.errors())).containsExactly("c.webhook_secret"));
  }

  /**
   * Asserts that restoring fails because the listed secrets must be re-entered (not a plain
   * validation failure).
   */
  private static void assertReentryRequired(
      JsonNode schema, ObjectNode submitted, JsonNode stored, String... paths) {
    assertThatThrownBy(() -> Schemas.restoreSecrets(schema, submitted, stored, "plugins[0].config"))
        .isInstanceOfSatisfying(
            InvalidInputException.class,
            e -> {
              assertThat(e.getClass().getSimpleName()).isEqualTo("SecretReentryRequiredException");
              assertThat(paths(e.errors())).containsExactly(paths);
            });
  }

  @Test
  void thePlaceholderKeepsAStoredSecretOnlyWhileEveryUrlFieldIsUnchanged() {
    JsonNode stored =
        Json.parse(
            "{\"server_url\": \"https://old.example\", \"api_key\": \"sk\", \"webhook_secret\": \"wh\", \"limit\": 4}");

    // A new server_url: every secret sent back as the placeholder must be entered again.
    assertReentryRequired(
        SCHEMA,
        object("{\"server_url\": \"https://new.example\", \"api_key\": \"********\"}"),
        stored,
        "plugins[0].config.api_key");
    assertReentryRequired(
        SCHEMA,
        object(
            "{\"server_url\": \"https://new.example\", \"api_key\": \"********\", \"webhook_secret\": \"********\"}"),
        stored,
        "plugins[0].config.api_key",
        "plugins[0].config.webhook_secret");
    // Any textual difference is a different URL: a trailing slash, a change of case.
    assertReentryRequired(
        SCHEMA,
        object("{\"server_url\": \"https://old.example/\", \"api_key\": \"********\"}"),
        stored,
        "plugins[0].config.api_key");
    assertReentryRequired(
        SCHEMA,
        object("{\"server_url\": \"https://OLD.example\", \"api_key\": \"********\"}"),
        stored,
        "plugins[0].config.api_key");
    // Leaving server_url out means its default, which is not what the secret was entered with.
    assertReentryRequired(
        SCHEMA, object("{\"api_key\": \"********\"}"), stored, "plugins[0].config.api_key");

    // The real secret with the new URL is fine, and so is the placeholder with only non-URL
    // changes.
    assertThat(
            Schemas.restoreSecrets(
                SCHEMA,
                object("{\"server_url\": \"https://new.example\", \"api_key\": \"sk-new\"}"),
                stored,
                "c"))
        .isEqualTo(
            Json.parse("{\"server_url\": \"https://new.example\", \"api_key\": \"sk-new\"}"));
    assertThat(
            Schemas.restoreSecrets(
                SCHEMA,
                object(
                    "{\"server_url\": \"https://old.example\", \"api_key\": \"********\", \"limit\": 5}"),
                stored,
                "c"))
        .isEqualTo(
            Json.parse(
                "{\"server_url\": \"https://old.example\", \"api_key\": \"sk\", \"limit\": 5}"));

    // A field absent on one side counts with its schema default: absent now and the default stored
    // is unchanged.
    JsonNode storedDefault =
        Json.parse("{\"server_url\": \"https://example.org\", \"api_key\": \"sk\"}");
    assertThat(
            Schemas.restoreSecrets(
                    SCHEMA, object("{\"api_key\": \"********\"}"), storedDefault, "c")
                .path("api_key")
                .asString())
        .isEqualTo("sk");
    assertThat(
            Schemas.restoreSecrets(
                    SCHEMA,
                    object("{\"server_url\": \"https://example.org\", \"api_key\": \"********\"}"),
                    Json.parse("{\"api_key\": \"sk\"}"),
                    "c")
                .path("api_key")
                .asString())
        .isEqualTo("sk");

    // Nothing stored behind the placeholder stays a plain validation failure.
    assertThatThrownBy(
            () ->
                Schemas.restoreSecrets(
                    SCHEMA,
                    object("{\"server_url\": \"https://new.example\", \"api_key\": \"********\"}"),
                    null,
                    "c"))
        .isExactlyInstanceOf(InvalidInputException.class);
  }

  @Test
  void anyUriFormattedOrUrlNamedFieldDecidesWhereSecretsGo() {
    JsonNode schema =
        Schemas.schema(
            """
        {"type": "object",
         "properties": {
           "endpoint": {"type": "string", "format": "uri"},
           "website_url": {"type": "string", "default": "https://site.example"},
           "token": {"type": "string", "writeOnly": true},
           "label": {"type": "string"}
         }}
        """);
    JsonNode stored =
        Json.parse("{\"endpoint\": \"https://api.example\", \"token\": \"t\", \"label\": \"a\"}");
    assertReentryRequired(
        schema,
        object("{\"endpoint\": \"https://evil.example\", \"token\": \"********\"}"),
        stored,
        "plugins[0].config.token");
    assertReentryRequired(
        schema,
        object(
            "{\"endpoint\": \"https://api.example\", \"website_url\": \"https://other.example\", \"token\": \"********\"}"),
        stored,
        "plugins[0].config.token");
    assertThat(
            Schemas.restoreSecrets(
                    schema,
                    object(
                        "{\"endpoint\": \"https://api.example\", \"website_url\": \"https://site.example\", \"token\": \"********\", \"label\": \"b\"}"),
                    stored,
                    "c")
                .path("token")
                .asString())
        .isEqualTo("t");
  }
}
