package org.metagov.activities.plugins.sourcecred;

import java.util.List;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ActionSpec;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.Schemas;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * Reads cred from a SourceCred instance's published output ({@code output/accounts.json}). There is
 * no default server: each community runs its own instance.
 */
@Component
public class SourceCredPlugin implements Plugin {

  private static final String PLATFORM = "SourceCred";

  private static final JsonNode CONFIG_SCHEMA =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "server_url": {"type": "string", "format": "uri", "pattern": "^https?://", "maxLength": 2000,
                        "description": "Base URL of the SourceCred instance, where output/accounts.json is served."}
       },
       "required": ["server_url"],
       "additionalProperties": false}
      """);

  private static final JsonNode USER_CRED_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "username": {"type": "string", "minLength": 1, "description": "The SourceCred identity name."},
         "id": {"type": ["string", "integer"], "description": "A platform user id that is one of the identity's aliases (for example a Discourse or Discord user id)."}
       },
       "oneOf": [{"required": ["username"]}, {"required": ["id"]}],
       "additionalProperties": false}
      """);

  private static final JsonNode TOTAL_CRED_INPUT =
      Schemas.schema(
          """
      {"type": "object", "properties": {}, "additionalProperties": false}
      """);

  private static final JsonNode VALUE_OUTPUT =
      Schemas.schema(
          """
      {"type": "object", "properties": {"value": {"type": "number"}}, "required": ["value"]}
      """);

  @Override
  public String name() {
    return "sourcecred";
  }

  @Override
  public String description() {
    return "Cred scores from a SourceCred instance.";
  }

  @Override
  public JsonNode configSchema() {
    return CONFIG_SCHEMA;
  }

  @Override
  public List<ActionSpec> actions() {
    return List.of(
        new ActionSpec(
            "user-cred",
            "The total cred of one user, found by identity name (username) or by a platform user id among the identity's aliases (id).",
            USER_CRED_INPUT,
            VALUE_OUTPUT,
            this::userCred,
            true),
        new ActionSpec(
            "total-cred",
            "The sum of all accounts' total cred.",
            TOTAL_CRED_INPUT,
            VALUE_OUTPUT,
            this::totalCred,
            true));
  }

  private JsonNode userCred(PluginContext context, JsonNode parameters) {
    JsonNode accounts = accounts(context);
    String username = parameters.path("username").asString(null);
    String id = parameters.has("id") ? parameters.get("id").asString() : null;
    for (JsonNode account : accounts) {
      JsonNode identity = account.path("account").path("identity");
      if (username != null && username.equals(identity.path("name").asString(null))) {
        return value(account);
      }
      if (id != null) {
        for (JsonNode alias : identity.path("aliases")) {
          if (id.equals(platformUserId(alias.path("address").asString("")))) {
            return value(account);
          }
        }
      }
    }
    String who = username != null ? "username " + username : "id " + id;
    throw new org.metagov.activities.plugin.NotFoundException(
        "user_not_found", "No SourceCred account has the " + who + ".");
  }

  private JsonNode totalCred(PluginContext context, JsonNode parameters) {
    double total = 0;
    for (JsonNode account : accounts(context)) {
      total += account.path("totalCred").asDouble(0);
    }
    return Json.object().put("value", total);
  }

  /**
   * An alias address is NUL-separated and ends with a NUL, as in {@code
   * N\0sourcecred\0discord\0MEMBER\0user\0140750062325202944\0}; the platform user id is its last
   * part.
   */
  static String platformUserId(String address) {
    String[] parts = address.split("\u0000");
    return parts.length == 0 ? "" : parts[parts.length - 1];
  }

  private static JsonNode value(JsonNode account) {
    return Json.object().put("value", account.path("totalCred").asDouble(0));
  }

  private static JsonNode accounts(PluginContext context) {
    JsonNode output =
        context
            .http()
            .get(
                PLATFORM,
                PlatformHttp.resolve(context.configText("server_url"), "/output/accounts.json"),
                java.util.Map.of());
    JsonNode accounts = output == null ? null : output.get("accounts");
    if (accounts == null || !accounts.isArray()) {
      throw new PlatformException(
          PlatformException.Kind.FAILED,
          PLATFORM,
          200,
          "SourceCred's output/accounts.json has no accounts list; run the instance's analysis and publish its output.");
    }
    return accounts;
  }
}
