package org.metagov.api.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.metagov.activities.json.Json;

/**
 * The generated hostile requests, endpoint by endpoint. Each expectation is the status DESIGN.md §4
 * prescribes: 400 malformed JSON / schema violation / missing community header / plugin not
 * enabled, 401 bad webhook signature, 404 unknown community, plugin, action, process, id or webhook
 * address, 405 wrong method, 409 conflicts, 413 too large, 415 not JSON.
 */
final class HostileCases {

  static final String COMMUNITY = "/api/internal/community";
  static final String ACTION = "/api/internal/action/";
  static final String PROCESS = "/api/internal/process/";
  static final String VOTE = "randomness.delayed-stochastic-vote";

  static final String MALFORMED = "malformed_json";
  static final String INVALID = "validation_failed";
  static final String NOT_FOUND_COMMUNITY = "community_not_found";

  /**
   * The code of a request Tomcat refuses before the application sees it (encoded NUL, slash or
   * backslash, huge headers).
   */
  static final String REFUSED = "invalid_request";

  /** Whether Tomcat refuses this URL text outright: encoded NUL, slash or backslash. */
  static boolean refusedByServer(String urlText) {
    String lower = urlText.toLowerCase(java.util.Locale.ROOT);
    return lower.contains("%00") || lower.contains("%2f") || lower.contains("%5c");
  }

  /** What the suite set up once: communities, processes and the fake platforms' addresses. */
  record Fixture(
      String community, // randomness, sourcecred, discourse, loomio
      String bare, // randomness only
      long endedId,
      String endedKey,
      String endedBody, // a closed randomness vote started with an Idempotency-Key
      long openId, // an open randomness vote
      String sourcecredUrl,
      String discourseUrl,
      String discourseKey,
      String discourseSecret,
      String loomioUrl,
      String loomioKey,
      String loomioSlug) {

    String pluginsJson() {
      return "[{\"name\": \"randomness\", \"config\": {}},"
          + " {\"name\": \"sourcecred\", \"config\": {\"server_url\": \""
          + sourcecredUrl
          + "\"}},"
          + " {\"name\": \"discourse\", \"config\": {\"server_url\": \""
          + discourseUrl
          + "\", \"api_key\": \""
          + discourseKey
          + "\", \"webhook_secret\": \""
          + discourseSecret
          + "\"}},"
          + " {\"name\": \"loomio\", \"config\": {\"server_url\": \""
          + loomioUrl
          + "\", \"api_key\": \""
          + loomioKey
          + "\", \"webhook_slug\": \""
          + loomioSlug
          + "\"}}]";
    }
  }

  private final Fixture f;
  private final List<HostileCase> cases = new ArrayList<>();

  private HostileCases(Fixture f) {
    this.f = f;
  }

  static List<HostileCase> all(Fixture fixture) {
    HostileCases generator = new HostileCases(fixture);
    generator.brokenBodies();
    generator.communityFields();
    generator.communityRules();
    generator.slugsAndPaths();
    generator.contentTypesAndSizes();
    generator.methods();
    generator.actions();
    generator.processStarts();
    generator.processIds();
    generator.processListing();
    generator.deliveries();
    generator.catalogue();
    generator.webhooks();
    return generator.cases;
  }

  private HostileCase add(HostileCase hostile) {
    cases.add(hostile);
    return hostile;
  }

  // --- bodies
  // -------------------------------------------------------------------------------------

  /**
   * Texts that are not JSON at all: every endpoint that reads JSON must answer 400 malformed_json.
   */
  static final Map<String, String> BROKEN_JSON =
      linked(
          "empty body", "",
          "whitespace only", "   \n\t ",
          "truncated object", "{\"name\": \"x\"",
          "truncated string", "{\"name\": \"x",
          "lone brace", "{",
          "lone bracket", "[",
          "trailing garbage", "{\"parameters\": {}} garbage",
          "two documents", "{} {}",
          "extra closing brace", "{}}",
          "single quotes", "{'name': 'x'}",
          "unquoted key", "{name: \"x\"}",
          "NaN", "{\"parameters\": {\"low\": NaN}}",
          "Infinity", "{\"options\": [\"a\"], \"delay\": Infinity}",
          "line comment", "// comment\n{}",
          "block comment", "{/* comment */}",
          "trailing comma", "{\"a\": 1,}",
          "missing colon", "{\"a\" 1}",
          "leading zeros", "{\"a\": 0001}",
          "bad escape", "{\"a\": \"\\x41\"}",
          "raw control character", "{\"a\": \"\u0001\"}",
          "bare word", "tru",
          "unterminated string", "\"unterminated",
          "10k-deep arrays", "[".repeat(10_000) + "]".repeat(10_000),
          "10k-deep objects", "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000),
          "5000-digit number", "{\"a\": " + "9".repeat(5000) + "}");

  /** JSON that parses but is not an object: 400 (the body must be an object). */
  static final Map<String, String> NOT_AN_OBJECT =
      linked(
          "null", "null",
          "array", "[]",
          "array of object", "[{}]",
          "string", "\"a string\"",
          "number", "42",
          "boolean", "true",
          "1e400", "1e400");

  private void brokenBodies() {
    for (var entry : BROKEN_JSON.entrySet()) {
      String what = entry.getKey();
      String text = entry.getValue();
      add(
          HostileCase.of("PUT community, " + what, "PUT", COMMUNITY + "/" + f.community())
              .json(text)
              .expect(400, MALFORMED));
      add(
          HostileCase.of("POST community, " + what, "POST", COMMUNITY)
              .json(text)
              .expect(400, MALFORMED));
      // No body, or an empty one, means {} for actions: set-lucky-number then lacks lucky_number.
      add(
          HostileCase.of("action, " + what, "POST", ACTION + "randomness.set-lucky-number")
              .community(f.community())
              .json(text)
              .expect(
                  400,
                  text.isBlank() ? new String[] {INVALID, MALFORMED} : new String[] {MALFORMED}));
      add(
          HostileCase.of("process start, " + what, "POST", PROCESS + VOTE)
              .community(f.community())
              .json(text)
              .expect(400, MALFORMED));
      add(
          HostileCase.of(
                  "loomio webhook, " + what,
                  "POST",
                  "/api/hooks/" + f.community() + "/loomio/" + f.loomioSlug())
              .json(text)
              .expect(400, INVALID));
    }
    for (var entry : NOT_AN_OBJECT.entrySet()) {
      String what = entry.getKey();
      String text = entry.getValue();
      String code = INVALID;
      add(
          HostileCase.of("PUT community, body is " + what, "PUT", COMMUNITY + "/" + f.community())
              .json(text)
              .expect(400, code));
      add(
          HostileCase.of("POST community, body is " + what, "POST", COMMUNITY)
              .json(text)
              .expect(400, code));
      add(
          HostileCase.of("action, body is " + what, "POST", ACTION + "randomness.set-lucky-number")
              .community(f.community())
              .json(text)
              .expect(400, INVALID));
      add(
          HostileCase.of("process start, body is " + what, "POST", PROCESS + VOTE)
              .community(f.community())
              .json(text)
              .expect(400, code));
      add(
          HostileCase.of(
                  "signed discourse webhook, body is " + what,
                  "POST",
                  "/api/hooks/" + f.community() + "/discourse")
              .json(text)
              .header("X-Discourse-Event-Signature", sign(text))
              .header("X-Discourse-Event-Id", "not-an-object-" + what)
              .expect(400, INVALID));
    }
    String bom = "\uFEFF{\"parameters\": 5}";
    add(
        HostileCase.of(
                "action, BOM before a wrong body", "POST", ACTION + "randomness.set-lucky-number")
            .community(f.community())
            .json(bom)
            .expect(400, MALFORMED, INVALID));
    add(
        HostileCase.of(
                "PUT community, BOM before a wrong body", "PUT", COMMUNITY + "/" + f.community())
            .json("\uFEFF{\"name\": 5}")
            .expect(400, MALFORMED, INVALID));
    byte[] invalidUtf8 = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    add(
        HostileCase.of("PUT community, invalid UTF-8", "PUT", COMMUNITY + "/" + f.community())
            .body("application/json", invalidUtf8)
            .expect(400, MALFORMED));
    add(
        HostileCase.of("process start, invalid UTF-8", "POST", PROCESS + VOTE)
            .community(f.community())
            .body("application/json", invalidUtf8)
            .expect(400, MALFORMED));
  }

  // --- communities
  // ---------------------------------------------------------------------------------

  private String communityBody(String name, String readableName, String plugins) {
    return "{\"name\": "
        + name
        + ", \"readable_name\": "
        + readableName
        + ", \"plugins\": "
        + plugins
        + "}";
  }

  private void communityFields() {
    String slug = "\"" + f.community() + "\"";
    String plugins = f.pluginsJson();
    Map<String, String> badBodies =
        linked(
            "name is a number", communityBody("5", "\"x\"", plugins),
            "name is true", communityBody("true", "\"x\"", plugins),
            "name is an array", communityBody("[]", "\"x\"", plugins),
            "name is an object", communityBody("{}", "\"x\"", plugins),
            "readable_name is a number", communityBody(slug, "5", plugins),
            "readable_name is an array", communityBody(slug, "[\"x\"]", plugins),
            "readable_name is an object", communityBody(slug, "{}", plugins),
            "readable_name of 100k chars",
                communityBody(slug, "\"" + "n".repeat(100_000) + "\"", plugins),
            "readable_name is 1e400", communityBody(slug, "1e400", plugins),
            "readable_name is 2^70", communityBody(slug, "1180591620717411303424", plugins),
            "readable_name with NUL", communityBody(slug, "\"a\\u0000b\"", plugins),
            "plugins is a string", communityBody(slug, "\"x\"", "\"randomness\""),
            "plugins is a number", communityBody(slug, "\"x\"", "5"),
            "plugins is an object", communityBody(slug, "\"x\"", "{\"randomness\": {}}"),
            "plugins holds a number", communityBody(slug, "\"x\"", "[5]"),
            "plugins holds a string", communityBody(slug, "\"x\"", "[\"randomness\"]"),
            "plugins holds null", communityBody(slug, "\"x\"", "[null]"),
            "plugin without name", communityBody(slug, "\"x\"", "[{}]"),
            "plugin name is a number", communityBody(slug, "\"x\"", "[{\"name\": 5}]"),
            "plugin name is empty", communityBody(slug, "\"x\"", "[{\"name\": \"\"}]"),
            "plugin name of 100k chars",
                communityBody(slug, "\"x\"", "[{\"name\": \"" + "p".repeat(100_000) + "\"}]"),
            "unknown plugin", communityBody(slug, "\"x\"", "[{\"name\": \"no-such-plugin\"}]"),
            "plugin with NUL in its name",
                communityBody(slug, "\"x\"", "[{\"name\": \"random\\u0000ness\"}]"),
            "plugin listed twice",
                communityBody(
                    slug, "\"x\"", "[{\"name\": \"randomness\"}, {\"name\": \"randomness\"}]"),
            "plugin config is a string",
                communityBody(slug, "\"x\"", "[{\"name\": \"randomness\", \"config\": \"x\"}]"),
            "plugin config is an array",
                communityBody(slug, "\"x\"", "[{\"name\": \"randomness\", \"config\": []}]"),
            "plugin entry with an extra field",
                communityBody(slug, "\"x\"", "[{\"name\": \"randomness\", \"enabled\": true}]"),
            "101 plugins",
                communityBody(
                    slug,
                    "\"x\"",
                    "["
                        + String.join(
                            ",", java.util.Collections.nCopies(101, "{\"name\": \"randomness\"}"))
                        + "]"),
            "extra top-level field",
                "{\"name\": " + slug + ", \"plugins\": [], \"owner\": \"mallory\"}",
            "randomness default_low is a string",
                communityBody(
                    slug,
                    "\"x\"",
                    "[{\"name\": \"randomness\", \"config\": {\"default_low\": \"0\"}}]"),
            "randomness default_low is 1e400",
                communityBody(
                    slug,
                    "\"x\"",
                    "[{\"name\": \"randomness\", \"config\": {\"default_low\": 1e400}}]"),
            "randomness default_low is 2^70",
                communityBody(
                    slug,
                    "\"x\"",
                    "[{\"name\": \"randomness\", \"config\": {\"default_low\": 1180591620717411303424}}]"),
            "randomness default_low is -2^63-1",
                communityBody(
                    slug,
                    "\"x\"",
                    "[{\"name\": \"randomness\", \"config\": {\"default_low\": -9223372036854775809}}]"),
            "randomness default_low is 1.5",
                communityBody(
                    slug,
                    "\"x\"",
                    "[{\"name\": \"randomness\", \"config\": {\"default_low\": 1.5}}]"),
            "randomness config with unknown key",
                communityBody(
                    slug, "\"x\"", "[{\"name\": \"randomness\", \"config\": {\"seed\": 4}}]"),
            "sourcecred server_url ftp:",
                communityBody(
                    slug,
                    "\"x\"",
                    "[{\"name\": \"sourcecred\", \"config\": {\"server_url\": \"ftp://127.0.0.1/\"}}]"),
            "sourcecred server_url javascript:",
                communityBody(
                    slug,
                    "\"x\"",
                    "[{\"name\": \"sourcecred\", \"config\": {\"server_url\": \"javascript:alert(1)\"}}]"),
            "sourcecred server_url file:",
                communityBody(
                    slug,
                    "\"x\"",
                    "[{\"name\": \"sourcecred\", \"config\": {\"server_url\": \"file:///etc/passwd\"}}]"),
            "sourcecred server_url of 3000 chars",
                communityBody(
                    slug,
                    "\"x\"",
                    "[{\"name\": \"sourcecred\", \"config\": {\"server_url\": \"http://127.0.0.1/"
                        + "a".repeat(3000)
                        + "\"}}]"),
            "sourcecred without server_url",
                communityBody(slug, "\"x\"", "[{\"name\": \"sourcecred\", \"config\": {}}]"),
            "discourse without api_key",
                communityBody(
                    slug,
                    "\"x\"",
                    "[{\"name\": \"discourse\", \"config\": {\"server_url\": \""
                        + f.discourseUrl()
                        + "\"}}]"),
            "discourse api_key of 100k chars",
                communityBody(
                    slug,
                    "\"x\"",
                    "[{\"name\": \"discourse\", \"config\": {\"server_url\": \""
                        + f.discourseUrl()
                        + "\", \"api_key\": \""
                        + "k".repeat(100_000)
                        + "\"}}]"),
            "discourse api_key is a number",
                communityBody(
                    slug,
                    "\"x\"",
                    "[{\"name\": \"discourse\", \"config\": {\"server_url\": \""
                        + f.discourseUrl()
                        + "\", \"api_key\": 12345}}]"),
            "loomio webhook_slug too short",
                communityBody(
                    slug,
                    "\"x\"",
                    "[{\"name\": \"loomio\", \"config\": {\"api_key\": \"k\", \"webhook_slug\": \"short\"}}]"),
            "loomio webhook_slug with a slash",
                communityBody(
                    slug,
                    "\"x\"",
                    "[{\"name\": \"loomio\", \"config\": {\"api_key\": \"k\", \"webhook_slug\": \"abcdefgh/ijkl\"}}]"),
            "loomio webhook_slug with RTL override",
                communityBody(
                    slug,
                    "\"x\"",
                    "[{\"name\": \"loomio\", \"config\": {\"api_key\": \"k\", \"webhook_slug\": \"abcdefgh\u202Eijkl\"}}]"),
            "loomio group_id is 2^70",
                communityBody(
                    slug,
                    "\"x\"",
                    "[{\"name\": \"loomio\", \"config\": {\"api_key\": \"k\", \"group_id\": 1180591620717411303424}}]"),
            "loomio config string with NUL",
                communityBody(slug, "\"x\"", f.pluginsJson().replace(f.loomioKey(), "k\\u0000")),
            "config property name with NUL",
                communityBody(
                    slug, "\"x\"", "[{\"name\": \"randomness\", \"config\": {\"a\\u0000\": 1}}]"));
    for (var entry : badBodies.entrySet()) {
      add(
          HostileCase.of("PUT community, " + entry.getKey(), "PUT", COMMUNITY + "/" + f.community())
              .json(entry.getValue())
              .expect(400, INVALID));
    }
    String fresh = "hostile-fresh-" + Long.toString(System.nanoTime(), 36);
    add(
        HostileCase.of("PUT new community, readable_name with NUL", "PUT", COMMUNITY + "/" + fresh)
            .json(communityBody("\"" + fresh + "\"", "\"a\\u0000b\"", "[]"))
            .expect(400, INVALID));
    add(
        HostileCase.of("POST community, name with NUL", "POST", COMMUNITY)
            .json("{\"name\": \"a\\u0000b\"}")
            .expect(400, INVALID));
    add(
        HostileCase.of("POST community, name is null", "POST", COMMUNITY)
            .json("{\"name\": null, \"plugins\": []}")
            .expect(400, INVALID));
    add(
        HostileCase.of("POST community, name with a slash", "POST", COMMUNITY)
            .json("{\"name\": \"a/b\"}")
            .expect(400, INVALID));
    add(
        HostileCase.of("POST community, name of 100k chars", "POST", COMMUNITY)
            .json("{\"name\": \"" + "s".repeat(100_000) + "\"}")
            .expect(400, INVALID));
    add(
        HostileCase.of(
                "POST community, secret placeholder without a stored secret", "POST", COMMUNITY)
            .json(
                "{\"name\": \""
                    + fresh
                    + "\", \"plugins\": [{\"name\": \"discourse\", \"config\": {\"server_url\": \""
                    + f.discourseUrl()
                    + "\", \"api_key\": \"********\"}}]}")
            .expect(400, INVALID));
    add(
        HostileCase.of("POST community, unknown plugin", "POST", COMMUNITY)
            .json("{\"name\": \"" + fresh + "\", \"plugins\": [{\"name\": \"nope\"}]}")
            .expect(400, INVALID));
  }

  private void communityRules() {
    String other = "someone-else";
    add(
        HostileCase.of(
                "PUT community, body name differs from the path",
                "PUT",
                COMMUNITY + "/" + f.community())
            .json(communityBody("\"" + other + "\"", "\"x\"", f.pluginsJson()))
            .expect(400, "name_mismatch"));
    add(
        HostileCase.of(
                "PUT community, body name differs only in case",
                "PUT",
                COMMUNITY + "/" + f.community())
            .json(
                communityBody("\"" + f.community().toUpperCase() + "\"", "\"x\"", f.pluginsJson()))
            .expect(400, "name_mismatch"));
    add(
        HostileCase.of(
                "PUT community, dropping a plugin with an open process",
                "PUT",
                COMMUNITY + "/" + f.community())
            .json(communityBody("\"" + f.community() + "\"", "\"x\"", "[]"))
            .expect(409, "plugin_has_open_processes"));
    add(
        HostileCase.of(
                "DELETE community with an open process", "DELETE", COMMUNITY + "/" + f.community())
            .expect(409, "community_has_open_processes"));
    add(
        HostileCase.of("POST community that exists", "POST", COMMUNITY)
            .json("{\"name\": \"" + f.community() + "\"}")
            .expect(409, "community_exists"));
  }

  /** Slugs no community has, written as a hostile client would put them in a URL. */
  static final Map<String, String> HOSTILE_SLUGS =
      linked(
          "unknown slug", "no-such-community-hostile",
          "RTL override", "%E2%80%AEevil",
          "zero-width space", "a%E2%80%8Bb",
          "emoji", "%F0%9F%98%80",
          "NUL", "a%00b",
          "space", "a%20b",
          "plus", "a+b",
          "semicolon parameter", "nosuch%3Bx=1",
          "dollar and quote", "a%24%27b",
          "leading dash", "-leading",
          "101 chars", "x".repeat(101),
          "5000 chars", "x".repeat(5000),
          "percent-encoded dots", "%2e%2e",
          "backslash", "a%5Cb",
          "angle brackets", "%3Cscript%3E");

  private void slugsAndPaths() {
    for (var entry : HOSTILE_SLUGS.entrySet()) {
      String what = entry.getKey();
      String slug = entry.getValue();
      // Tomcat refuses URLs with an encoded NUL or backslash outright (400) before any lookup.
      int status = refusedByServer(slug) ? 400 : 404;
      String code = refusedByServer(slug) ? REFUSED : NOT_FOUND_COMMUNITY;
      add(
          HostileCase.of("GET community, " + what, "GET", COMMUNITY + "/" + slug)
              .expect(status, code));
      add(
          HostileCase.of("GET hooks, " + what, "GET", COMMUNITY + "/" + slug + "/hooks")
              .expect(status, code));
      add(
          HostileCase.of("DELETE community, " + what, "DELETE", COMMUNITY + "/" + slug)
              .expect(status, code));
      add(
          HostileCase.of(
                  "action, community header " + what, "POST", ACTION + "randomness.random-int")
              .community(slug)
              .json("{}")
              .expect(404, NOT_FOUND_COMMUNITY));
    }
    // PUT with an invalid slug in the path (and the same name in the body, so only the slug is
    // wrong).
    for (String slug :
        List.of(
            "%E2%80%AEevil",
            "a%E2%80%8Bb", "%F0%9F%98%80", "a%20b", "-leading", "x".repeat(101), "a.b")) {
      add(
          HostileCase.of(
                  "PUT community, invalid slug " + RawHttp.abbreviate(slug),
                  "PUT",
                  COMMUNITY + "/" + slug)
              .json("{\"plugins\": []}")
              .expect(400, INVALID));
    }
    // Encoded slashes, dot segments, doubled slashes and trailing characters never reach a
    // community.
    add(
        HostileCase.of("GET community, encoded slash", "GET", COMMUNITY + "/a%2Fb")
            .expect(400, REFUSED));
    add(
        HostileCase.of("GET community, encoded ../", "GET", COMMUNITY + "/..%2Fplugins")
            .expect(400, REFUSED));
    add(
        HostileCase.of(
                "DELETE community, encoded slash",
                "DELETE",
                COMMUNITY + "/" + f.community() + "%2F..")
            .expect(400, REFUSED));
    add(
        HostileCase.of("GET community, trailing dot", "GET", COMMUNITY + "/" + f.community() + ".")
            .expect(404, NOT_FOUND_COMMUNITY));
    add(
        HostileCase.of(
                "DELETE community, trailing dot", "DELETE", COMMUNITY + "/" + f.community() + ".")
            .expect(404, NOT_FOUND_COMMUNITY));
    add(
        HostileCase.of(
                "DELETE community, trailing slash", "DELETE", COMMUNITY + "/" + f.community() + "/")
            .expect(404));
    add(
        HostileCase.of(
                "DELETE community, doubled slash",
                "DELETE",
                "/api/internal//community/" + f.community())
            .expect(404));
    add(
        HostileCase.of(
                "GET hooks, doubled slash", "GET", COMMUNITY + "//" + f.community() + "/hooks")
            .expect(404));
    // Dot segments are not resolved into another endpoint: the raw path matches nothing.
    add(
        HostileCase.of(
                "DELETE community, dot segment to another",
                "DELETE",
                COMMUNITY + "/nosuch/../" + "no-such-community-2")
            .expect(404, "not_found"));
    add(
        HostileCase.of("GET community/../plugins", "GET", COMMUNITY + "/../plugins")
            .expect(404, "not_found"));
    add(
        HostileCase.of("DELETE community/../plugins", "DELETE", COMMUNITY + "/../plugins")
            .expect(404, "not_found"));
    add(
        HostileCase.of("DELETE community/%2e%2e/plugins", "DELETE", COMMUNITY + "/%2e%2e/plugins")
            .expect(404, "not_found"));
    add(
        HostileCase.of(
                "DELETE community, semicolon path parameter on an unknown slug",
                "DELETE",
                COMMUNITY + "/no-such-community-3;jsessionid=1")
            .expect(404, NOT_FOUND_COMMUNITY));
    add(
        HostileCase.of(
                "GET community, query in place of a slug",
                "GET",
                COMMUNITY + "/no-such-4?name=" + f.community())
            .expect(404, NOT_FOUND_COMMUNITY));
  }

  private void contentTypesAndSizes() {
    String body = communityBody("\"" + f.community() + "\"", "\"x\"", f.pluginsJson());
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    Map<String, String> types =
        linked(
            "text/plain", "text/plain",
            "form", "application/x-www-form-urlencoded",
            "xml", "application/xml",
            "multipart", "multipart/form-data; boundary=xyz",
            "octet-stream", "application/octet-stream",
            "garbage content type", "not a media type",
            "none", null);
    for (var entry : types.entrySet()) {
      String type = entry.getValue();
      add(
          HostileCase.of(
                  "PUT community as " + entry.getKey(), "PUT", COMMUNITY + "/" + f.community())
              .body(type, bytes)
              .expect(415, "unsupported_media_type"));
      add(
          HostileCase.of("POST community as " + entry.getKey(), "POST", COMMUNITY)
              .body(type, "{\"name\": \"ct-fresh\"}".getBytes(StandardCharsets.UTF_8))
              .expect(415, "unsupported_media_type"));
      add(
          HostileCase.of(
                  "action as " + entry.getKey(), "POST", ACTION + "randomness.set-lucky-number")
              .community(f.community())
              .body(
                  type, "{\"parameters\": {\"lucky_number\": 7}}".getBytes(StandardCharsets.UTF_8))
              .expect(415, "unsupported_media_type"));
      add(
          HostileCase.of("process start as " + entry.getKey(), "POST", PROCESS + VOTE)
              .community(f.community())
              .body(type, "{\"options\": [\"a\"]}".getBytes(StandardCharsets.UTF_8))
              .expect(415, "unsupported_media_type"));
    }
    // Over the 1MB limit: announced (Content-Length) and streamed (chunked), on every endpoint with
    // a body.
    String big = "{\"name\": \"" + "x".repeat(1_100_000) + "\"}";
    byte[] bigBytes = big.getBytes(StandardCharsets.UTF_8);
    List<String[]> targets =
        List.of(
            new String[] {"PUT", COMMUNITY + "/" + f.community()},
            new String[] {"POST", COMMUNITY},
            new String[] {"POST", ACTION + "randomness.set-lucky-number"},
            new String[] {"POST", PROCESS + VOTE},
            new String[] {"POST", "/api/hooks/" + f.community() + "/discourse"},
            new String[] {"POST", "/api/hooks/" + f.community() + "/loomio/" + f.loomioSlug()});
    for (String[] target : targets) {
      add(
          HostileCase.of(
                  "1.1MB body, " + target[0] + " " + target[1].replaceAll("/api/", ""),
                  target[0],
                  target[1])
              .community(f.community())
              .body("application/json", bigBytes)
              .expect(413, "payload_too_large"));
      add(
          HostileCase.of(
                  "1.1MB chunked body, " + target[0] + " " + target[1].replaceAll("/api/", ""),
                  target[0],
                  target[1])
              .community(f.community())
              .body("application/json", bigBytes)
              .chunked()
              .expect(413, "payload_too_large"));
    }
    add(
        HostileCase.of("5MB body announced", "PUT", COMMUNITY + "/" + f.community())
            .body("application/json", new byte[5 * 1024 * 1024])
            .expect(413, "payload_too_large"));
  }

  private void methods() {
    String c = COMMUNITY + "/" + f.community();
    Object[][] wrong = {
      {"PATCH", c},
      {"POST", c},
      {"PUT", COMMUNITY},
      {"DELETE", COMMUNITY},
      {"PATCH", COMMUNITY},
      {"PUT", c + "/hooks"},
      {"POST", c + "/hooks"},
      {"DELETE", c + "/hooks"},
      {"GET", ACTION + "randomness.random-int"},
      {"PUT", ACTION + "randomness.random-int"},
      {"DELETE", ACTION + "randomness.random-int"},
      {"PATCH", ACTION + "randomness.random-int"},
      {"GET", PROCESS + VOTE},
      {"PUT", PROCESS + VOTE},
      {"DELETE", PROCESS + VOTE},
      {"PUT", PROCESS + VOTE + "/" + f.openId()},
      {"PATCH", PROCESS + VOTE + "/" + f.openId()},
      {"POST", PROCESS + VOTE + "/" + f.openId()},
      {"POST", "/api/internal/process"},
      {"DELETE", "/api/internal/process"},
      {"POST", "/api/internal/deliveries"},
      {"DELETE", "/api/internal/deliveries"},
      {"GET", "/api/internal/deliveries/x/redeliver"},
      {"PUT", "/api/internal/deliveries/x/redeliver"},
      {"POST", "/api/internal/plugins"},
      {"PUT", "/api/internal/plugins"},
      {"DELETE", "/api/internal/plugins"},
      {"POST", "/api/internal/plugin/randomness/metadata"},
      {"DELETE", "/api/internal/plugin/randomness/metadata"},
      {"GET", "/api/hooks/" + f.community() + "/discourse"},
      {"PUT", "/api/hooks/" + f.community() + "/discourse"},
      {"DELETE", "/api/hooks/" + f.community() + "/loomio/" + f.loomioSlug()},
    };
    for (Object[] pair : wrong) {
      String method = (String) pair[0];
      String path = (String) pair[1];
      HostileCase hostile =
          add(
              HostileCase.of(
                      "wrong method " + method + " " + path.replace("/api/", ""), method, path)
                  .community(f.community())
                  .expect(405, "method_not_allowed"));
      if (!method.equals("GET") && !method.equals("DELETE")) {
        hostile.json("{}");
      }
      hostile.check(reply -> assertThat(reply.header("Allow")).as("Allow header").isNotBlank());
    }
  }

  // --- actions
  // -------------------------------------------------------------------------------------

  private void actions() {
    String c = f.community();
    // Names: unknown plugin or action, broken qualified names, plugin not enabled.
    Object[][] names = {
      {"no-such-plugin.random-int", 404, "plugin_not_found"},
      {"randomness.no-such-action", 404, "action_not_found"},
      {"randomness..random-int", 404, "action_not_found"},
      {".random-int", 404, "action_not_found"},
      {"randomness.", 404, "action_not_found"},
      {"randomness", 404, "action_not_found"},
      {"randomness.random-int.extra", 404, "action_not_found"},
      {"RANDOMNESS.random-int", 404, "plugin_not_found"},
      {"randomness%EF%BC%8Erandom-int", 404, "action_not_found"},
      {"random%00ness.random-int", 400, REFUSED},
      {"randomness.random-int%00", 400, REFUSED},
      {"%E2%80%AEssenmodnar.random-int", 404, "plugin_not_found"},
      {"x".repeat(5000) + ".y", 404, "plugin_not_found"},
      {"randomness.delayed-stochastic-vote", 404, "action_not_found"},
    };
    for (Object[] name : names) {
      add(
          HostileCase.of(
                  "action name " + RawHttp.abbreviate((String) name[0]), "POST", ACTION + name[0])
              .community(c)
              .json("{}")
              .expect((int) name[1], (String) name[2]));
    }
    add(
        HostileCase.of("action, plugin not enabled", "POST", ACTION + "discourse.create-post")
            .community(f.bare())
            .json("{\"parameters\": {\"raw\": \"hello\", \"topic_id\": 1}}")
            .expect(400, "plugin_not_enabled"));
    add(HostileCase.of("action, empty path", "POST", ACTION).community(c).json("{}").expect(404));
    // The community header.
    add(
        HostileCase.of("action, no community header", "POST", ACTION + "randomness.random-int")
            .json("{}")
            .expect(400, "missing_community_header"));
    add(
        HostileCase.of("action, blank community header", "POST", ACTION + "randomness.random-int")
            .community("")
            .json("{}")
            .expect(400, "missing_community_header"));
    add(
        HostileCase.of(
                "action, whitespace community header", "POST", ACTION + "randomness.random-int")
            .community("   ")
            .json("{}")
            .expect(400, "missing_community_header"));
    add(
        HostileCase.of(
                "action, 6000-char community header", "POST", ACTION + "randomness.random-int")
            .community("c".repeat(6000))
            .json("{}")
            .expect(404, NOT_FOUND_COMMUNITY));
    add(
        HostileCase.of(
                "action, 100k-char community header", "POST", ACTION + "randomness.random-int")
            .community("c".repeat(100_000))
            .json("{}")
            .expect(400, REFUSED));
    add(
        HostileCase.of(
                "action, community header with raw UTF-8 RTL override",
                "POST",
                ACTION + "randomness.random-int")
            .community(c + "\u202E")
            .json("{}")
            .expect(404, NOT_FOUND_COMMUNITY));
    add(
        HostileCase.of(
                "action, community header naming two communities",
                "POST",
                ACTION + "randomness.set-lucky-number")
            .community(c + "," + f.bare())
            .json("{\"parameters\": {\"lucky_number\": 7}}")
            .expect(404, NOT_FOUND_COMMUNITY));
    add(
        HostileCase.of(
                "action, community header repeated", "POST", ACTION + "randomness.set-lucky-number")
            .community("no-such-community-5")
            .community(c)
            .json("{\"parameters\": {\"lucky_number\": 7}}")
            .expect(404, NOT_FOUND_COMMUNITY));
    // Parameters of the wrong type, too large, or breaking a rule, for every plugin's actions.
    Object[][] parameters = {
      {"randomness.random-int", "{\"parameters\": 5}"},
      {"randomness.random-int", "{\"parameters\": []}"},
      {"randomness.random-int", "{\"parameters\": \"low=1\"}"},
      {"randomness.random-int", "{\"params\": {}}"},
      {"randomness.random-int", "{\"parameters\": {\"low\": \"1\"}}"},
      {"randomness.random-int", "{\"parameters\": {\"low\": 1.5}}"},
      {"randomness.random-int", "{\"parameters\": {\"low\": true}}"},
      {"randomness.random-int", "{\"parameters\": {\"low\": null}}"},
      {"randomness.random-int", "{\"parameters\": {\"low\": 1e400}}"},
      {"randomness.random-int", "{\"parameters\": {\"low\": -1e400}}"},
      {"randomness.random-int", "{\"parameters\": {\"low\": 1180591620717411303424}}"},
      {"randomness.random-int", "{\"parameters\": {\"high\": 9223372036854775808}}"},
      {"randomness.random-int", "{\"parameters\": {\"high\": []}}"},
      {"randomness.random-int", "{\"parameters\": {\"low\": 10, \"high\": 1}}"},
      {
        "randomness.random-int",
        "{\"parameters\": {\"low\": 1, \"extra\": \"" + "x".repeat(100_000) + "\"}}"
      },
      {"randomness.set-lucky-number", "{\"parameters\": {}}"},
      {"randomness.set-lucky-number", "{\"parameters\": {\"lucky_number\": \"7\"}}"},
      {"randomness.set-lucky-number", "{\"parameters\": {\"lucky_number\": 9007199254740992}}"},
      {"randomness.set-lucky-number", "{\"parameters\": {\"lucky_number\": 1e400}}"},
      {"randomness.set-lucky-number", "{\"parameters\": {\"lucky_number\": [7]}}"},
      {"randomness.set-lucky-number", "{\"parameters\": {\"lucky_number\": {\"$gt\": 0}}}"},
      {"randomness.set-lucky-number", "{\"parameters\": {\"lucky_number\": 7, \"__proto__\": {}}}"},
      {"sourcecred.user-cred", "{\"parameters\": {\"username\": \"\"}}"},
      {"sourcecred.user-cred", "{\"parameters\": {\"id\": [1]}}"},
      {"sourcecred.user-cred", "{\"parameters\": {\"id\": {}}}"},
      {"sourcecred.user-cred", "{\"parameters\": {\"id\": 1.5}}"},
      {"sourcecred.user-cred", "{\"parameters\": {\"username\": \"a\", \"id\": 1}}"},
      {"sourcecred.user-cred", "{\"parameters\": {}}"},
      {"sourcecred.total-cred", "{\"parameters\": {\"x\": 1}}"},
      {"discourse.create-post", "{\"parameters\": {\"topic_id\": 1}}"},
      {"discourse.create-post", "{\"parameters\": {\"raw\": \"\", \"topic_id\": 1}}"},
      {
        "discourse.create-post",
        "{\"parameters\": {\"raw\": \"" + "r".repeat(100_000) + "\", \"topic_id\": 1}}"
      },
      {"discourse.create-post", "{\"parameters\": {\"raw\": \"hi\", \"topic_id\": \"1\"}}"},
      {"discourse.create-post", "{\"parameters\": {\"raw\": \"hi\", \"topic_id\": 0}}"},
      {
        "discourse.create-post",
        "{\"parameters\": {\"raw\": \"hi\", \"topic_id\": 1180591620717411303424}}"
      },
      {"discourse.create-topic", "{\"parameters\": {\"title\": \"short\", \"raw\": \"hi\"}}"},
      {
        "discourse.create-topic",
        "{\"parameters\": {\"title\": \"" + "t".repeat(100_000) + "\", \"raw\": \"hi\"}}"
      },
      {
        "discourse.create-topic",
        "{\"parameters\": {\"title\": \"A long enough title here\", \"raw\": \"hi\", \"category\": \"c\"}}"
      },
      {
        "discourse.create-message",
        "{\"parameters\": {\"title\": \"hello\", \"raw\": \"hi\", \"target_recipients\": []}}"
      },
      {
        "discourse.create-message",
        "{\"parameters\": {\"title\": \"hello\", \"raw\": \"hi\", \"target_recipients\": [\"a,b\"]}}"
      },
      {
        "discourse.create-message",
        "{\"parameters\": {\"title\": \"hello\", \"raw\": \"hi\", \"target_recipients\": \"alice\"}}"
      },
      {
        "loomio.create-discussion", "{\"parameters\": {\"title\": \"" + "t".repeat(100_000) + "\"}}"
      },
      {"loomio.create-discussion", "{\"parameters\": {\"title\": 5}}"},
      {"loomio.create-discussion", "{\"parameters\": {\"title\": \"x\", \"group_id\": -1}}"},
      {
        "loomio.create-discussion",
        "{\"parameters\": {\"title\": \"x\", \"recipient_audience\": \"everyone\"}}"
      },
      {"loomio.list-members", "{\"parameters\": {\"group_id\": \"x\"}}"},
      {"loomio.list-members", "{\"parameters\": {\"group_id\": 0}}"},
      {"loomio.list-members", "{\"parameters\": {}}"},
    };
    for (Object[] p : parameters) {
      add(
          HostileCase.of(
                  "action " + p[0] + " with " + RawHttp.abbreviate((String) p[1]),
                  "POST",
                  ACTION + p[0])
              .community(c)
              .json((String) p[1])
              .expect(400, INVALID));
    }
  }

  // --- processes
  // -----------------------------------------------------------------------------------

  private void processStarts() {
    String c = f.community();
    Object[][] names = {
      {"no-such-plugin.poll", 404, "plugin_not_found"},
      {"randomness.no-such-process", 404, "process_not_found"},
      {"randomness..delayed-stochastic-vote", 404, "process_not_found"},
      {".delayed-stochastic-vote", 404, "process_not_found"},
      {"randomness.", 404, "process_not_found"},
      {"randomness.random-int", 404, "process_not_found"},
      {"randomness.delayed-stochastic-vote%00", 400, REFUSED},
    };
    for (Object[] name : names) {
      add(
          HostileCase.of("process start name " + name[0], "POST", PROCESS + name[0])
              .community(c)
              .json("{\"options\": [\"a\"]}")
              .expect((int) name[1], (String) name[2]));
    }
    String valid = "{\"options\": [\"a\", \"b\"], \"delay\": 60}";
    add(
        HostileCase.of("process start, plugin not enabled", "POST", PROCESS + "discourse.poll")
            .community(f.bare())
            .json("{\"title\": \"A long enough poll title\", \"options\": [\"a\"]}")
            .expect(400, "plugin_not_enabled"));
    add(
        HostileCase.of("process start, no community header", "POST", PROCESS + VOTE)
            .json(valid)
            .expect(400, "missing_community_header"));
    add(
        HostileCase.of("process start, blank community header", "POST", PROCESS + VOTE)
            .community("")
            .json(valid)
            .expect(400, "missing_community_header"));
    add(
        HostileCase.of("process start, unknown community", "POST", PROCESS + VOTE)
            .community("no-such-community-6")
            .json(valid)
            .expect(404, NOT_FOUND_COMMUNITY));
    Map<String, String> bodies =
        linked(
            "no options", "{\"delay\": 1}",
            "empty options", "{\"options\": []}",
            "empty option", "{\"options\": [\"\"]}",
            "numeric option", "{\"options\": [1]}",
            "options is a string", "{\"options\": \"a,b\"}",
            "101 options",
                "{\"options\": ["
                    + String.join(",", java.util.Collections.nCopies(101, "\"o\""))
                    + "]}",
            "negative delay", "{\"options\": [\"a\"], \"delay\": -1}",
            "delay over a year", "{\"options\": [\"a\"], \"delay\": 525601}",
            "delay is a string", "{\"options\": [\"a\"], \"delay\": \"1\"}",
            "delay is 1e400", "{\"options\": [\"a\"], \"delay\": 1e400}",
            "delay is 2^70", "{\"options\": [\"a\"], \"delay\": 1180591620717411303424}",
            "delay is 1.5", "{\"options\": [\"a\"], \"delay\": 1.5}",
            "extra field", "{\"options\": [\"a\"], \"winner\": \"a\"}",
            "callback_url ftp:", "{\"options\": [\"a\"], \"callback_url\": \"ftp://127.0.0.1/cb\"}",
            "callback_url javascript:",
                "{\"options\": [\"a\"], \"callback_url\": \"javascript:alert(1)\"}",
            "callback_url file:",
                "{\"options\": [\"a\"], \"callback_url\": \"file:///etc/passwd\"}",
            "callback_url without host", "{\"options\": [\"a\"], \"callback_url\": \"http:///cb\"}",
            "callback_url scheme only", "{\"options\": [\"a\"], \"callback_url\": \"http://\"}",
            "callback_url relative", "{\"options\": [\"a\"], \"callback_url\": \"/cb\"}",
            "callback_url with userinfo",
                "{\"options\": [\"a\"], \"callback_url\": \"http://u:p@127.0.0.1/cb\"}",
            "callback_url of 3000 chars",
                "{\"options\": [\"a\"], \"callback_url\": \"http://127.0.0.1/"
                    + "c".repeat(3000)
                    + "\"}",
            "callback_url with a space",
                "{\"options\": [\"a\"], \"callback_url\": \"http://exa mple.org/cb\"}",
            "callback_url with NUL",
                "{\"options\": [\"a\"], \"callback_url\": \"http://127.0.0.1/\\u0000\"}",
            "callback_url is a number", "{\"options\": [\"a\"], \"callback_url\": 5}",
            "callback_url is an object",
                "{\"options\": [\"a\"], \"callback_url\": {\"url\": \"http://127.0.0.1/\"}}",
            "callback_url is empty", "{\"options\": [\"a\"], \"callback_url\": \"\"}");
    for (var entry : bodies.entrySet()) {
      add(
          HostileCase.of("process start, " + entry.getKey(), "POST", PROCESS + VOTE)
              .community(c)
              .json(entry.getValue())
              .expect(400, INVALID));
    }
    Map<String, String> polls =
        linked(
            "discourse title too short", "{\"title\": \"short\", \"options\": [\"a\"]}",
            "discourse title of 100k chars",
                "{\"title\": \"" + "t".repeat(100_000) + "\", \"options\": [\"a\"]}",
            "discourse title with a line break",
                "{\"title\": \"A long enough title\\nsecond\", \"options\": [\"a\"]}",
            "discourse duplicate options",
                "{\"title\": \"A long enough poll title\", \"options\": [\"a\", \"a\"]}",
            "discourse closing_at not a date",
                "{\"title\": \"A long enough poll title\", \"options\": [\"a\"], \"closing_at\": \"tomorrow\"}",
            "discourse closing_at in the past",
                "{\"title\": \"A long enough poll title\", \"options\": [\"a\"], \"closing_at\": \"2001-01-01\"}",
            "discourse closing_at impossible date",
                "{\"title\": \"A long enough poll title\", \"options\": [\"a\"], \"closing_at\": \"2099-13-45\"}",
            "discourse poll_type unknown",
                "{\"title\": \"A long enough poll title\", \"options\": [\"a\"], \"poll_type\": \"ranked\"}",
            "discourse public is a string",
                "{\"title\": \"A long enough poll title\", \"options\": [\"a\"], \"public\": \"yes\"}",
            "discourse topic_id 2^70",
                "{\"title\": \"A long enough poll title\", \"options\": [\"a\"], \"topic_id\": 1180591620717411303424}");
    for (var entry : polls.entrySet()) {
      add(
          HostileCase.of("process start, " + entry.getKey(), "POST", PROCESS + "discourse.poll")
              .community(c)
              .json(entry.getValue())
              .expect(400, INVALID));
    }
    Map<String, String> loomioPolls =
        linked(
            "loomio without closing_at", "{\"title\": \"t\", \"options\": [\"a\"]}",
            "loomio poll_type unknown",
                "{\"title\": \"t\", \"options\": [\"a\"], \"closing_at\": \"2099-01-01\", \"poll_type\": \"vote\"}",
            "loomio details over 100000 chars",
                "{\"title\": \"t\", \"options\": [\"a\"], \"closing_at\": \"2099-01-01\", \"details\": \""
                    + "d".repeat(100_001)
                    + "\"}",
            "loomio recipient_user_ids of strings",
                "{\"title\": \"t\", \"options\": [\"a\"], \"closing_at\": \"2099-01-01\", \"recipient_user_ids\": [\"1\"]}");
    for (var entry : loomioPolls.entrySet()) {
      add(
          HostileCase.of("process start, " + entry.getKey(), "POST", PROCESS + "loomio.poll")
              .community(c)
              .json(entry.getValue())
              .expect(400, INVALID));
    }
    // Idempotency-Key abuse: the body is valid, so only the key can refuse it.
    add(
        HostileCase.of("process start, 201-char Idempotency-Key", "POST", PROCESS + VOTE)
            .community(c)
            .header("Idempotency-Key", "k".repeat(201))
            .json(valid)
            .expect(400, "invalid_idempotency_key"));
    add(
        HostileCase.of("process start, 6000-char Idempotency-Key", "POST", PROCESS + VOTE)
            .community(c)
            .header("Idempotency-Key", "k".repeat(6000))
            .json(valid)
            .expect(400, "invalid_idempotency_key"));
    add(
        HostileCase.of("process start, blank Idempotency-Key", "POST", PROCESS + VOTE)
            .community(c)
            .header("Idempotency-Key", "   ")
            .json(valid)
            .expect(400, "invalid_idempotency_key"));
    add(
        HostileCase.of(
                "process start, Idempotency-Key reused with another body", "POST", PROCESS + VOTE)
            .community(c)
            .header("Idempotency-Key", f.endedKey())
            .json("{\"options\": [\"x\", \"y\"], \"delay\": 5}")
            .expect(409, "idempotency_key_reused"));
    add(
        HostileCase.of(
                "process start, Idempotency-Key reused with another callback_url",
                "POST",
                PROCESS + VOTE)
            .community(c)
            .header("Idempotency-Key", f.endedKey())
            .json(
                f.endedBody()
                    .replaceFirst("\\}$", ", \"callback_url\": \"http://127.0.0.1:9/cb\"}"))
            .expect(409, "idempotency_key_reused"));
    add(
        HostileCase.of(
                "process start, Idempotency-Key of another community", "POST", PROCESS + VOTE)
            .community(f.bare())
            .header("Idempotency-Key", f.endedKey())
            .json("{\"options\": [\"a\"], \"delay\": 5, \"extra\": 1}")
            .expect(400, INVALID));
    // A retried start with the same key and body is answered with the same process, and creates
    // nothing.
    add(
        HostileCase.of(
                "process start, replayed with the same Idempotency-Key and body",
                "POST",
                PROCESS + VOTE)
            .community(c)
            .header("Idempotency-Key", f.endedKey())
            .json(f.endedBody())
            .expect(202)
            .check(
                reply -> {
                  assertThat(reply.header("Location"))
                      .isEqualTo(PROCESS + VOTE + "/" + f.endedId());
                  assertThat(Json.parse(reply.body()).path("id").asLong()).isEqualTo(f.endedId());
                }));
  }

  /** Process ids that name no process of the community: 404 for reads and closes alike. */
  private void processIds() {
    String c = f.community();
    List<String> ids =
        List.of(
            "0",
            "-1",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775809",
            "18446744073709551616",
            "abc",
            "1.5",
            "1e3",
            "0x10",
            "%20" + f.openId(),
            f.openId() + "%00",
            "%E2%80%AE1",
            "99999999999");
    for (String id : ids) {
      int status = refusedByServer(id) ? 400 : 404;
      String code = refusedByServer(id) ? REFUSED : "process_not_found";
      add(
          HostileCase.of("GET process id " + id, "GET", PROCESS + VOTE + "/" + id)
              .community(c)
              .expect(status, code));
      add(
          HostileCase.of("DELETE process id " + id, "DELETE", PROCESS + VOTE + "/" + id)
              .community(c)
              .expect(status, code));
    }
    String open = "/" + f.openId();
    add(
        HostileCase.of("GET open process of another community", "GET", PROCESS + VOTE + open)
            .community(f.bare())
            .expect(404, "process_not_found"));
    add(
        HostileCase.of("DELETE open process of another community", "DELETE", PROCESS + VOTE + open)
            .community(f.bare())
            .expect(404, "process_not_found"));
    add(
        HostileCase.of(
                "DELETE open process of an unknown community", "DELETE", PROCESS + VOTE + open)
            .community("no-such-community-7")
            .expect(404, "process_not_found"));
    add(
        HostileCase.of(
                "GET open process under another process type",
                "GET",
                PROCESS + "discourse.poll" + open)
            .community(c)
            .expect(404, "process_not_found"));
    add(
        HostileCase.of(
                "DELETE open process under another process type",
                "DELETE",
                PROCESS + "loomio.poll" + open)
            .community(c)
            .expect(404, "process_not_found"));
    add(
        HostileCase.of(
                "DELETE open process under a broken name", "DELETE", PROCESS + "randomness." + open)
            .community(c)
            .expect(404, "process_not_found"));
    add(
        HostileCase.of(
                "DELETE open process under a dotted name",
                "DELETE",
                PROCESS + "randomness..delayed-stochastic-vote" + open)
            .community(c)
            .expect(404, "process_not_found"));
    add(
        HostileCase.of(
                "DELETE a process that already ended", "DELETE", PROCESS + VOTE + "/" + f.endedId())
            .community(c)
            .expect(409, "process_ended"));
  }

  private void processListing() {
    String list = "/api/internal/process";
    add(
        HostileCase.of("list processes, no community header", "GET", list)
            .expect(400, "missing_community_header"));
    add(
        HostileCase.of("list processes, blank community header", "GET", list)
            .community("")
            .expect(400, "missing_community_header"));
    add(
        HostileCase.of("list processes, unknown community", "GET", list)
            .community("no-such-community-8")
            .expect(404, NOT_FOUND_COMMUNITY));
    add(
        HostileCase.of("list processes, control character in the community header", "GET", list)
            .community("a\u0001b")
            .expect(400, REFUSED));
    for (String query :
        List.of(
            "status=bogus",
            "status=",
            "status=pending%00",
            "limit=0",
            "limit=-1",
            "limit=1001",
            "limit=abc",
            "limit=9223372036854775808",
            "limit=1e3",
            "offset=-1",
            "offset=x",
            "status=" + "s".repeat(5000))) {
      add(
          HostileCase.of("list processes, " + RawHttp.abbreviate(query), "GET", list + "?" + query)
              .community(f.community())
              .expect(400, INVALID, "invalid_parameter"));
    }
  }

  private void deliveries() {
    String list = "/api/internal/deliveries";
    add(
        HostileCase.of("list deliveries, no community header", "GET", list)
            .expect(400, "missing_community_header"));
    add(
        HostileCase.of("list deliveries, blank community header", "GET", list)
            .community("")
            .expect(400, "missing_community_header"));
    add(
        HostileCase.of("list deliveries, unknown community", "GET", list)
            .community("no-such-community-9")
            .expect(404, NOT_FOUND_COMMUNITY));
    for (String query :
        List.of(
            "status=lost",
            "status=",
            "limit=0",
            "limit=-5",
            "limit=1001",
            "limit=x",
            "limit=99999999999")) {
      add(
          HostileCase.of("list deliveries, " + query, "GET", list + "?" + query)
              .community(f.community())
              .expect(400, "invalid_parameter"));
    }
    for (String id :
        List.of(
            "no-such-delivery",
            "0",
            "-1",
            "a%00b",
            "%E2%80%AE",
            "x".repeat(5000),
            "..%2F..%2Fcommunity",
            "%27%20or%201=1--")) {
      add(
          HostileCase.of(
                  "redeliver unknown delivery " + RawHttp.abbreviate(id),
                  "POST",
                  list + "/" + id + "/redeliver")
              .community(f.community())
              .expect(
                  refusedByServer(id) ? 400 : 404,
                  refusedByServer(id) ? REFUSED : "delivery_not_found"));
    }
    add(
        HostileCase.of("redeliver, no community header", "POST", list + "/x/redeliver")
            .expect(400, "missing_community_header"));
    add(
        HostileCase.of("redeliver, unknown community", "POST", list + "/x/redeliver")
            .community("no-such-community-10")
            .expect(404, NOT_FOUND_COMMUNITY));
    add(
        HostileCase.of("redeliver, empty id", "POST", list + "//redeliver")
            .community(f.community())
            .expect(404));
  }

  private void catalogue() {
    for (String name :
        List.of(
            "no-such-plugin",
            "RANDOMNESS",
            "randomness%00",
            "randomness.",
            "..%2Fplugins",
            "%E2%80%AE",
            "x".repeat(5000),
            "randomness%20",
            "%2e%2e",
            "opencollective%2Fx")) {
      add(
          HostileCase.of(
                  "plugin metadata " + RawHttp.abbreviate(name),
                  "GET",
                  "/api/internal/plugin/" + name + "/metadata")
              .expect(
                  refusedByServer(name) ? 400 : 404,
                  refusedByServer(name) ? REFUSED : "plugin_not_found"));
    }
    add(
        HostileCase.of("plugin metadata, empty name", "GET", "/api/internal/plugin//metadata")
            .expect(404));
    // The path of a plugin named "metadata": POST /api/internal/plugin/{name} enables one, so a GET
    // is the wrong method.
    add(
        HostileCase.of("plugin metadata, no name", "GET", "/api/internal/plugin/metadata")
            .expect(405));
    add(
        HostileCase.of("enable a plugin named metadata", "POST", "/api/internal/plugin/metadata")
            .community(f.community())
            .json("{}")
            .expect(404, "plugin_not_found"));
    add(
        HostileCase.of("plugins, asks for XML only", "GET", "/api/internal/plugins")
            .header("Accept", "application/xml")
            .expect(406));
  }

  // --- webhooks
  // ------------------------------------------------------------------------------------

  private String sign(String body) {
    return sign(f.discourseSecret(), body);
  }

  static String sign(String secret, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "sha256="
          + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String postEvent(String raw) {
    return "{\"post\": {\"id\": 987654, \"topic_id\": 876543, \"username\": \"mallory\", \"raw\": \""
        + raw
        + "\"}}";
  }

  private HostileCase discourseHook(String name, String path, String body) {
    return add(
        HostileCase.of(name, "POST", path)
            .json(body)
            .header("X-Discourse-Event", "post_edited")
            .header("X-Discourse-Event-Type", "post"));
  }

  private void webhooks() {
    String c = f.community();
    String hook = "/api/hooks/" + c + "/discourse";
    String body = postEvent("forged");
    String good = sign(body);
    // Forged: no, empty, wrong, truncated or differently computed signatures, a signature for
    // another body, another instance.
    discourseHook("discourse webhook, no signature", hook, body)
        .header("X-Discourse-Event-Id", "forged-1")
        .expect(401, "bad_signature");
    discourseHook("discourse webhook, blank signature", hook, body)
        .header("X-Discourse-Event-Id", "forged-2")
        .header("X-Discourse-Event-Signature", " ")
        .expect(401, "bad_signature");
    discourseHook("discourse webhook, signed with another secret", hook, body)
        .header("X-Discourse-Event-Id", "forged-3")
        .header("X-Discourse-Event-Signature", sign("not-the-secret", body))
        .expect(401, "bad_signature");
    discourseHook("discourse webhook, signature of another body", hook, body)
        .header("X-Discourse-Event-Id", "forged-4")
        .header("X-Discourse-Event-Signature", sign(body + " "))
        .expect(401, "bad_signature");
    discourseHook("discourse webhook, bare hex signature", hook, body)
        .header("X-Discourse-Event-Id", "forged-5")
        .header("X-Discourse-Event-Signature", good.substring("sha256=".length()))
        .expect(401, "bad_signature");
    discourseHook("discourse webhook, truncated signature", hook, body)
        .header("X-Discourse-Event-Id", "forged-6")
        .header("X-Discourse-Event-Signature", good.substring(0, good.length() - 2))
        .expect(401, "bad_signature");
    discourseHook("discourse webhook, sha1= prefix", hook, body)
        .header("X-Discourse-Event-Id", "forged-7")
        .header("X-Discourse-Event-Signature", good.replace("sha256=", "sha1="))
        .expect(401, "bad_signature");
    discourseHook("discourse webhook, 6000-char signature", hook, body)
        .header("X-Discourse-Event-Id", "forged-8")
        .header("X-Discourse-Event-Signature", "sha256=" + "a".repeat(6000))
        .expect(400, "header_too_long");
    discourseHook("discourse webhook, signed with a prefix of the secret", hook, body)
        .header("X-Discourse-Event-Id", "forged-9")
        .header("X-Discourse-Event-Signature", sign(f.discourseSecret().substring(0, 5), body))
        .expect(401, "bad_signature");
    discourseHook("discourse webhook, from another instance", hook, body)
        .header("X-Discourse-Event-Id", "forged-10")
        .header("X-Discourse-Event-Signature", good)
        .header("X-Discourse-Instance", "https://evil.example.org")
        .expect(401, "bad_signature");
    discourseHook("discourse webhook, signed but not JSON", hook, "{not json")
        .header("X-Discourse-Event-Id", "broken-1")
        .header("X-Discourse-Event-Signature", sign("{not json"))
        .expect(400, INVALID);
    // Addresses that do not exist: unknown community, plugin not enabled, unknown plugin, wrong or
    // missing webhook_slug.
    Map<String, String> nowhere =
        linked(
            "unknown community", "/api/hooks/no-such-community-11/discourse",
            "community with NUL", "/api/hooks/a%00b/discourse",
            "community with RTL override", "/api/hooks/%E2%80%AE" + c + "/discourse",
            "community of 5000 chars", "/api/hooks/" + "c".repeat(5000) + "/discourse",
            "community in other case", "/api/hooks/" + c.toUpperCase() + "/discourse",
            "plugin not enabled", "/api/hooks/" + f.bare() + "/discourse",
            "unknown plugin", "/api/hooks/" + c + "/no-such-plugin",
            "plugin with NUL", "/api/hooks/" + c + "/disc%00ourse",
            "plugin in other case", "/api/hooks/" + c + "/Discourse",
            "discourse with a webhook_slug", "/api/hooks/" + c + "/discourse/extra-segment",
            "loomio without its webhook_slug", "/api/hooks/" + c + "/loomio",
            "loomio with a wrong webhook_slug", "/api/hooks/" + c + "/loomio/wrong-slug-123456",
            "loomio with a prefix of its webhook_slug",
                "/api/hooks/" + c + "/loomio/" + f.loomioSlug().substring(0, 10),
            "loomio with its webhook_slug and more",
                "/api/hooks/" + c + "/loomio/" + f.loomioSlug() + "x",
            "loomio with its webhook_slug in upper case",
                "/api/hooks/" + c + "/loomio/" + f.loomioSlug().toUpperCase(),
            "loomio with its webhook_slug and NUL",
                "/api/hooks/" + c + "/loomio/" + f.loomioSlug() + "%00",
            "loomio with a dot segment", "/api/hooks/" + c + "/loomio/" + f.loomioSlug() + "/..",
            "too many segments", "/api/hooks/" + c + "/loomio/" + f.loomioSlug() + "/more");
    for (var entry : nowhere.entrySet()) {
      boolean refused = refusedByServer(entry.getValue());
      discourseHook("webhook to " + entry.getKey(), entry.getValue(), body)
          .header("X-Discourse-Event-Id", "nowhere-" + entry.getKey().hashCode())
          .header("X-Discourse-Event-Signature", good)
          .expect(refused ? 400 : 404, refused ? REFUSED : "webhook_not_found", "not_found");
    }
    // Loomio (unsigned, authenticated by the webhook_slug): the payload is only a hint.
    String loomio = "/api/hooks/" + c + "/loomio/" + f.loomioSlug();
    for (String text :
        List.of(
            "{}",
            "{\"text\": 5}",
            "{\"text\": null}",
            "{\"content\": []}",
            "{\"text\": [\"https://x/p/abc\"]}")) {
      add(HostileCase.of("loomio webhook " + text, "POST", loomio).json(text).expect(400, INVALID));
    }
    add(
        HostileCase.of("loomio webhook about an unknown poll is a harmless hint", "POST", loomio)
            .json("{\"text\": \"Mallory voted on https://loomio.example/p/NoSuchPoll9\"}")
            .expect(200)
            .changes("webhook_receipt", 1)
            .check(
                reply -> {
                  assertThat(Json.parse(reply.body()).path("status").asString())
                      .isEqualTo("accepted");
                  assertThat(Json.parse(reply.body()).path("processes").asInt()).isZero();
                }));
    add(
        HostileCase.of(
                "webhook to a plugin without webhooks is ignored",
                "POST",
                "/api/hooks/" + c + "/randomness")
            .json("{}")
            .expect(200)
            .check(
                reply ->
                    assertThat(Json.parse(reply.body()).path("status").asString())
                        .isEqualTo("ignored")));
    // Replays: the first delivery is recorded once (one webhook_receipt row), the redeliveries are
    // duplicates that change nothing.
    String replayed = postEvent("replayed");
    String eventId = Long.toString(System.nanoTime());
    discourseHook("discourse webhook, first delivery", hook, replayed)
        .header("X-Discourse-Event-Id", eventId)
        .header("X-Discourse-Event-Signature", sign(replayed))
        .header("X-Discourse-Instance", f.discourseUrl() + "/")
        .expect(200)
        .changes("webhook_receipt", 1)
        .check(
            reply ->
                assertThat(Json.parse(reply.body()).path("status").asString())
                    .isEqualTo("accepted"));
    discourseHook("discourse webhook, replayed delivery", hook, replayed)
        .header("X-Discourse-Event-Id", eventId)
        .header("X-Discourse-Event-Signature", sign(replayed))
        .expect(200)
        .check(
            reply ->
                assertThat(Json.parse(reply.body()).path("status").asString())
                    .isEqualTo("duplicate"));
    // Identity comes from the signed body, never from the unsigned delivery id: another id is still
    // a replay, a
    // re-labelled event name is still a replay, and another signed body under a used id is a
    // webhook of its own.
    discourseHook("discourse webhook, replayed under another delivery id", hook, replayed)
        .header("X-Discourse-Event-Id", eventId + "1")
        .header("X-Discourse-Event-Signature", sign(replayed))
        .expect(200)
        .check(
            reply ->
                assertThat(Json.parse(reply.body()).path("status").asString())
                    .isEqualTo("duplicate"));
    discourseHook("discourse webhook, replayed under another event name", hook, replayed)
        .header("X-Discourse-Event-Id", eventId + "2")
        .header("X-Discourse-Event-Signature", sign(replayed))
        .replaceHeader("X-Discourse-Event", "topic_created")
        .expect(200)
        .check(
            reply ->
                assertThat(Json.parse(reply.body()).path("status").asString())
                    .isEqualTo("duplicate"));
    String altered = postEvent("altered but validly signed");
    discourseHook("discourse webhook, same delivery id with another body", hook, altered)
        .header("X-Discourse-Event-Id", eventId)
        .header("X-Discourse-Event-Signature", sign(altered))
        .expect(200)
        .changes("webhook_receipt", 1)
        .check(
            reply ->
                assertThat(Json.parse(reply.body()).path("status").asString())
                    .isEqualTo("accepted"));
    String dashed = postEvent("a dashed delivery id");
    discourseHook("discourse webhook, delivery id that is not a number", hook, dashed)
        .header("X-Discourse-Event-Id", "1-discourse-7")
        .header("X-Discourse-Event-Signature", sign(dashed))
        .expect(400, INVALID);
    discourseHook("discourse webhook, 7000-char delivery id", hook, dashed)
        .header("X-Discourse-Event-Id", "7".repeat(7000))
        .header("X-Discourse-Event-Signature", sign(dashed))
        .expect(400, "header_too_long");
    discourseHook("discourse webhook, 2000-char extra header", hook, dashed)
        .header("X-Discourse-Event-Id", "77")
        .header("X-Discourse-Event-Signature", sign(dashed))
        .header("X-Padding", "p".repeat(2000))
        .expect(400, "header_too_long");
    discourseHook("discourse webhook, 200-char event name", hook, dashed)
        .header("X-Discourse-Event-Id", "78")
        .header("X-Discourse-Event-Signature", sign(dashed))
        .replaceHeader("X-Discourse-Event", "e".repeat(200))
        .expect(400, INVALID);
    discourseHook("discourse webhook, replay with a forged signature", hook, replayed)
        .header("X-Discourse-Event-Id", eventId)
        .header("X-Discourse-Event-Signature", sign("wrong", replayed))
        .expect(401, "bad_signature");
    discourseHook(
            "discourse webhook, same delivery id sent to a community without discourse",
            "/api/hooks/" + f.bare() + "/discourse",
            replayed)
        .header("X-Discourse-Event-Id", eventId)
        .header("X-Discourse-Event-Signature", sign(replayed))
        .expect(404, "webhook_not_found");
  }

  @SafeVarargs
  private static <T> Map<String, T> linked(T... pairs) {
    Map<String, T> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      map.put((String) pairs[i], pairs[i + 1]);
    }
    return map;
  }
}
