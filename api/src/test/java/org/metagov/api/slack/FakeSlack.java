package org.metagov.api.slack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.metagov.activities.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A fake Slack on loopback (JDK HttpServer) that behaves as Slack does where the plugin depends on
 * it: the OAuth v2 authorize page (which approves at once and sends the browser back with a code
 * and the state), {@code oauth.v2.access} (HTTP Basic client credentials, single-use codes bound to
 * their redirect URI), bot tokens that work until {@code auth.revoke}, errors as {@code 200 {"ok":
 * false, "error": ...}}, JSON bodies only on the write methods that take them, and the messages the
 * votes post and update. Every Web API call is recorded.
 */
public final class FakeSlack implements AutoCloseable {

  public static final String CLIENT_ID = "4242.1717";
  public static final String CLIENT_SECRET = "fake-slack-client-secret";
  public static final String SIGNING_SECRET = "fake-slack-signing-secret-8f7e6d";

  /**
   * Methods that read form (or query) parameters only; a JSON body leaves them without arguments.
   */
  private static final Set<String> FORM_ONLY =
      Set.of(
          "chat.getPermalink",
          "conversations.history",
          "users.info",
          "conversations.open",
          "conversations.join",
          "auth.revoke",
          "oauth.v2.access");

  /** One Web API call as received. */
  public record Call(String method, String authorization, String contentType, JsonNode arguments) {}

  /** A workspace: its id, name and bot user. */
  public record Team(String id, String name, String botUserId) {}

  private record Code(Team team, String redirectUri) {}

  private final HttpServer server;
  private final List<Call> calls = new ArrayList<>();
  private final Map<String, Team> tokens = new ConcurrentHashMap<>();
  private final Set<String> revoked = ConcurrentHashMap.newKeySet();
  private final Map<String, Code> codes = new ConcurrentHashMap<>();
  private final Map<String, JsonNode> messages = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();
  private volatile Team nextInstall;

  public FakeSlack() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/oauth/v2/authorize", this::authorize);
    server.createContext("/api/", this::webApi);
    server.start();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public String apiBaseUrl() {
    return baseUrl() + "/api";
  }

  public String authorizeUrl() {
    return baseUrl() + "/oauth/v2/authorize";
  }

  @Override
  public void close() {
    server.stop(0);
  }

  /** The workspace the next person to approve an install is in. */
  public void nextInstallInto(String teamId, String teamName) {
    nextInstall = new Team(teamId, teamName, botUser(teamId));
  }

  /**
   * A bot token that works for the workspace, as if the app had been installed there (for configs
   * set by hand).
   */
  public String tokenFor(String teamId) {
    String token = "xoxb-" + teamId + "-" + sequence.incrementAndGet() + "-fake";
    tokens.put(token, new Team(teamId, teamId + " workspace", botUser(teamId)));
    return token;
  }

  public static String botUser(String teamId) {
    return "U0BOT" + teamId.substring(1);
  }

  public boolean isRevoked(String token) {
    return revoked.contains(token);
  }

  /** Every call of a method so far, in order. */
  public List<Call> calls(String method) {
    synchronized (calls) {
      return calls.stream().filter(c -> c.method().equals(method)).toList();
    }
  }

  /** The latest call of a method. */
  public Call last(String method) {
    List<Call> all = calls(method);
    if (all.isEmpty()) {
      throw new AssertionError("Slack received no call of " + method);
    }
    return all.get(all.size() - 1);
  }

  /** Calls of a method with a given bot token. */
  public List<Call> calls(String method, String token) {
    return calls(method).stream()
        .filter(c -> ("Bearer " + token).equals(c.authorization()))
        .toList();
  }

  /** The blocks a message shows now (as last posted or updated), or null. */
  public JsonNode blocks(String channel, String ts) {
    return messages.get(channel + ":" + ts);
  }

  private void authorize(HttpExchange exchange) throws IOException {
    Map<String, String> query = form(exchange.getRequestURI().getRawQuery());
    Team team = nextInstall;
    if (!CLIENT_ID.equals(query.get("client_id"))
        || team == null
        || query.get("redirect_uri") == null) {
      send(exchange, 400, "text/plain", "invalid install link");
      return;
    }
    String code = "code-" + sequence.incrementAndGet();
    codes.put(code, new Code(team, query.get("redirect_uri")));
    String redirect =
        query.get("redirect_uri")
            + "?code="
            + code
            + "&state="
            + URLEncoder.encode(query.getOrDefault("state", ""), StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Location", redirect);
    exchange.sendResponseHeaders(302, -1);
    exchange.close();
  }

  private void webApi(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestURI().getPath().substring("/api/".length());
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    boolean json =
        contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/json");
    JsonNode arguments;
    if (json && !FORM_ONLY.contains(method)) {
      arguments = Json.parse(body);
    } else if (json) {
      arguments = Json.object();
    } else {
      arguments = Json.MAPPER.valueToTree(form(body));
    }
    synchronized (calls) {
      calls.add(new Call(method, authorization, contentType, arguments));
    }
    if (!"POST".equals(exchange.getRequestMethod())) {
      answer(exchange, error("invalid_request"));
      return;
    }
    if (method.equals("oauth.v2.access")) {
      answer(exchange, oauthAccess(authorization, arguments));
      return;
    }
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      answer(exchange, error("not_authed"));
      return;
    }
    String token = authorization.substring("Bearer ".length());
    Team team = tokens.get(token);
    if (team == null) {
      answer(exchange, error("invalid_auth"));
      return;
    }
    if (revoked.contains(token)) {
      answer(exchange, error("token_revoked"));
      return;
    }
    answer(exchange, method(method, team, token, arguments));
  }

  private ObjectNode method(String method, Team team, String token, JsonNode arguments) {
    ObjectNode ok = Json.object();
    ok.put("ok", true);
    String channel = arguments.path("channel").asString("");
    switch (method) {
      case "auth.revoke" -> {
        revoked.add(token);
        ok.put("revoked", true);
      }
      case "chat.postMessage" -> {
        if (channel.isEmpty()) {
          return error("channel_not_found");
        }
        String ts = (1_700_000_000L + sequence.incrementAndGet()) + ".000100";
        messages.put(channel + ":" + ts, arguments.path("blocks"));
        ok.put("channel", channel);
        ok.put("ts", ts);
        ObjectNode message = ok.putObject("message");
        message.put("type", "message");
        message.put("bot_id", "B0" + team.id());
        message.put("ts", ts);
      }
      case "chat.update" -> {
        String key = channel + ":" + arguments.path("ts").asString("");
        if (!messages.containsKey(key)) {
          return error("message_not_found");
        }
        messages.put(key, arguments.path("blocks"));
        ok.put("channel", channel);
        ok.put("ts", arguments.path("ts").asString());
      }
      case "chat.getPermalink" -> {
        if (channel.isEmpty() || !arguments.path("message_ts").isString()) {
          return error("invalid_arguments");
        }
        ok.put("channel", channel);
        ok.put(
            "permalink",
            "https://"
                + team.id().toLowerCase(Locale.ROOT)
                + ".slack.example/archives/"
                + channel
                + "/p"
                + arguments.path("message_ts").asString().replace(".", ""));
      }
      case "chat.postEphemeral" ->
          ok.put("message_ts", (1_700_000_000L + sequence.incrementAndGet()) + ".000200");
      case "conversations.open" -> {
        if (arguments.path("users").asString("").isEmpty()) {
          return error("users_list_not_supplied");
        }
        ok.putObject("channel")
            .put(
                "id",
                "G0"
                    + Integer.toHexString(arguments.path("users").asString().hashCode())
                        .toUpperCase(Locale.ROOT));
      }
      case "conversations.join" -> ok.putObject("channel").put("id", channel);
      case "conversations.history" -> ok.putArray("messages");
      default -> {
        return error("unknown_method");
      }
    }
    return ok;
  }

  private ObjectNode oauthAccess(String authorization, JsonNode arguments) {
    String expected =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
    if (!expected.equals(authorization)) {
      return error("invalid_client");
    }
    Code code = codes.remove(arguments.path("code").asString(""));
    if (code == null) {
      return error("invalid_code");
    }
    if (!code.redirectUri().equals(arguments.path("redirect_uri").asString(""))) {
      return error("bad_redirect_uri");
    }
    String token = "xoxb-" + code.team().id() + "-" + sequence.incrementAndGet() + "-fake";
    tokens.put(token, code.team());
    ObjectNode ok = Json.object();
    ok.put("ok", true);
    ok.put("access_token", token);
    ok.put("token_type", "bot");
    ok.put("scope", "chat:write,channels:history");
    ok.put("bot_user_id", code.team().botUserId());
    ok.put("app_id", "A0FAKEAPP");
    ObjectNode team = ok.putObject("team");
    team.put("name", code.team().name());
    team.put("id", code.team().id());
    ok.putNull("enterprise");
    ok.putObject("authed_user").put("id", "U0INSTALL");
    ok.put("is_enterprise_install", false);
    return ok;
  }

  private static ObjectNode error(String code) {
    ObjectNode error = Json.object();
    error.put("ok", false);
    error.put("error", code);
    return error;
  }

  private static void answer(HttpExchange exchange, JsonNode body) throws IOException {
    send(exchange, 200, "application/json; charset=utf-8", Json.write(body));
  }

  private static void send(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private static Map<String, String> form(String raw) {
    Map<String, String> fields = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return fields;
    }
    for (String pair : raw.split("&")) {
      int equals = pair.indexOf('=');
      String key =
          URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
      fields.put(
          key,
          equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
    }
    return fields;
  }
}
