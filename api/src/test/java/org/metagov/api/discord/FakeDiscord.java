package org.metagov.api.discord;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.metagov.activities.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A fake Discord on loopback (JDK HttpServer) that behaves as Discord does where the plugin depends
 * on it: the OAuth2 authorize page (which approves at once and sends the browser back with a code,
 * the state, the guild and the permissions), {@code POST /oauth2/token} (HTTP Basic client
 * credentials, single-use codes bound to their redirect URI, OAuth errors as {@code {"error":
 * ...}}), the bot's REST routes under {@code /api/v10} with {@code Authorization: Bot}, JSON errors
 * as {@code {"message": ..., "code": ...}}, message nonces with {@code enforce_nonce}, interaction
 * follow-ups by token, and 429s with {@code Retry-After}, {@code X-RateLimit-*} and a body {@code
 * retry_after} when told to. It also holds the application's Ed25519 key and signs interactions as
 * Discord does. Every API call is recorded.
 */
public final class FakeDiscord implements AutoCloseable {

  public static final String CLIENT_ID = "1234567890123456789";
  public static final String CLIENT_SECRET = "fake-discord-client-secret";
  public static final String BOT_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.fake.bot-token";

  /** One API call as received. */
  public record Call(
      String method, String path, String authorization, String contentType, JsonNode body) {}

  private record Code(String guildId, String guildName, String redirectUri) {}

  private static final Pattern CHANNEL = Pattern.compile("/channels/(\\d+)");
  private static final Pattern MESSAGES = Pattern.compile("/channels/(\\d+)/messages");
  private static final Pattern MESSAGE = Pattern.compile("/channels/(\\d+)/messages/(\\d+)");
  private static final Pattern GUILD = Pattern.compile("/guilds/(\\d+)");
  private static final Pattern COMMANDS =
      Pattern.compile("/applications/(\\d+)/guilds/(\\d+)/commands(?:/(\\d+))?");
  private static final Pattern LEAVE = Pattern.compile("/users/@me/guilds/(\\d+)");
  private static final Pattern FOLLOW_UP = Pattern.compile("/webhooks/(\\d+)/([A-Za-z0-9._-]+)");

  private final HttpServer server;
  private final KeyPair keys;
  private final List<Call> calls = new ArrayList<>();
  private final Map<String, String> guilds = new ConcurrentHashMap<>();
  private final Map<String, String> channels = new ConcurrentHashMap<>();
  private final Map<String, ObjectNode> messages = new ConcurrentHashMap<>();
  private final Map<String, String> nonces = new ConcurrentHashMap<>();
  private final Map<String, Code> codes = new ConcurrentHashMap<>();
  private final Set<String> interactionTokens = ConcurrentHashMap.newKeySet();
  private final Set<String> left = ConcurrentHashMap.newKeySet();
  private final Map<String, Integer> rateLimits = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong(1_100_000_000_000_000_000L);
  private volatile Code nextInstall;
  private volatile String nextRedirectGuild;

  public FakeDiscord() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
      keys = generator.generateKeyPair();
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/oauth2/authorize", this::authorize);
    server.createContext("/api/v10/", this::api);
    server.start();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public String apiBaseUrl() {
    return baseUrl() + "/api/v10";
  }

  @Override
  public void close() {
    server.stop(0);
  }

  /** The application's public key as the developer portal shows it: the raw 32 bytes in hex. */
  public String publicKeyHex() {
    byte[] encoded = keys.getPublic().getEncoded();
    return HexFormat.of()
        .formatHex(Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length));
  }

  /** The hex Ed25519 signature of {@code timestamp + body} under the application's key. */
  public String sign(String timestamp, String body) {
    return sign(keys, timestamp, body);
  }

  public static String sign(KeyPair keys, String timestamp, String body) {
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initSign(keys.getPrivate());
      signature.update((timestamp + body).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(signature.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A guild the bot is in, with channels in it. */
  public void guild(String guildId, String name, String... channelIds) {
    guilds.put(guildId, name);
    for (String channel : channelIds) {
      channels.put(channel, guildId);
    }
  }

  /** The guild the next person to approve an install adds the bot to. */
  public void nextInstallInto(String guildId, String guildName) {
    guild(guildId, guildName);
    nextInstall = new Code(guildId, guildName, null);
    nextRedirectGuild = guildId;
  }

  /**
   * Makes the next redirect name another guild than the one the bot is added to (a tampered
   * redirect).
   */
  public void nextRedirectNames(String guildId) {
    nextRedirectGuild = guildId;
  }

  /** A fresh interaction token, valid for follow-ups, as Discord puts in each interaction. */
  public String interactionToken() {
    String token = "aW50ZXJhY3Rpb246" + sequence.incrementAndGet() + "fake";
    interactionTokens.add(token);
    return token;
  }

  public String snowflake() {
    return Long.toString(sequence.incrementAndGet());
  }

  /** The next {@code times} calls whose path starts with {@code pathPrefix} are answered 429. */
  public void rateLimit(String pathPrefix, int times) {
    rateLimits.put(pathPrefix, times);
  }

  public boolean left(String guildId) {
    return left.contains(guildId);
  }

  /** A message as it is now (as last created or edited), or null. */
  public ObjectNode message(String channel, String messageId) {
    return messages.get(channel + ":" + messageId);
  }

  /** Every call whose method matches and whose path matches the regular expression, in order. */
  public List<Call> calls(String method, String pathRegex) {
    synchronized (calls) {
      return calls.stream()
          .filter(c -> c.method().equals(method) && c.path().matches(pathRegex))
          .toList();
    }
  }

  private void authorize(HttpExchange exchange) throws IOException {
    Map<String, String> query = form(exchange.getRequestURI().getRawQuery());
    Code install = nextInstall;
    String scope = query.getOrDefault("scope", "");
    if (!CLIENT_ID.equals(query.get("client_id"))
        || install == null
        || query.get("redirect_uri") == null
        || !"code".equals(query.get("response_type"))
        || !List.of(scope.split(" ")).contains("bot")) {
      send(exchange, 400, "text/plain", "invalid OAuth2 link");
      return;
    }
    String code = "code" + sequence.incrementAndGet();
    codes.put(code, new Code(install.guildId(), install.guildName(), query.get("redirect_uri")));
    String redirect =
        query.get("redirect_uri")
            + "?code="
            + code
            + "&state="
            + URLEncoder.encode(query.getOrDefault("state", ""), StandardCharsets.UTF_8)
            + "&guild_id="
            + nextRedirectGuild
            + "&permissions="
            + query.getOrDefault("permissions", "0");
    exchange.getResponseHeaders().add("Location", redirect);
    exchange.sendResponseHeaders(302, -1);
    exchange.close();
  }

  private void api(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getRawPath().substring("/api/v10".length());
    String method = exchange.getRequestMethod();
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    String text = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    JsonNode body =
        text.isEmpty()
            ? null
            : contentType != null && contentType.startsWith("application/json")
                ? Json.parse(text)
                : Json.MAPPER.valueToTree(form(text));
    synchronized (calls) {
      calls.add(new Call(method, path, authorization, contentType, body));
    }
    for (Map.Entry<String, Integer> limit : rateLimits.entrySet()) {
      if (path.startsWith(limit.getKey()) && limit.getValue() > 0) {
        rateLimits.put(limit.getKey(), limit.getValue() - 1);
        exchange.getResponseHeaders().add("Retry-After", "1");
        exchange.getResponseHeaders().add("X-RateLimit-Limit", "5");
        exchange.getResponseHeaders().add("X-RateLimit-Remaining", "0");
        exchange.getResponseHeaders().add("X-RateLimit-Reset-After", "0.500");
        exchange.getResponseHeaders().add("X-RateLimit-Bucket", "fakebucket");
        exchange.getResponseHeaders().add("X-RateLimit-Scope", "user");
        send(
            exchange,
            429,
            "application/json",
            "{\"message\": \"You are being rate limited.\", \"retry_after\": 0.5, \"global\": false}");
        return;
      }
    }
    if (path.equals("/oauth2/token") && method.equals("POST")) {
      token(exchange, authorization, body);
      return;
    }
    Matcher followUp = FOLLOW_UP.matcher(path);
    if (followUp.matches() && method.equals("POST")) {
      if (!followUp.group(1).equals(CLIENT_ID) || !interactionTokens.contains(followUp.group(2))) {
        error(exchange, 404, "Unknown Webhook", 10015);
        return;
      }
      ObjectNode message = (ObjectNode) body.deepCopy();
      message.put("id", snowflake());
      json(exchange, 200, message);
      return;
    }
    if (!("Bot " + BOT_TOKEN).equals(authorization)) {
      error(exchange, 401, "401: Unauthorized", 0);
      return;
    }
    bot(exchange, method, path, body);
  }

  private void bot(HttpExchange exchange, String method, String path, JsonNode body)
      throws IOException {
    Matcher matcher;
    if ((matcher = MESSAGE.matcher(path)).matches() && method.equals("PATCH")) {
      ObjectNode message = messages.get(matcher.group(1) + ":" + matcher.group(2));
      if (message == null) {
        error(exchange, 404, "Unknown Message", 10008);
        return;
      }
      body.properties().forEach(field -> message.set(field.getKey(), field.getValue()));
      json(exchange, 200, message);
    } else if ((matcher = MESSAGES.matcher(path)).matches() && method.equals("POST")) {
      String channel = matcher.group(1);
      if (!channels.containsKey(channel)) {
        error(exchange, 404, "Unknown Channel", 10003);
        return;
      }
      String nonce = body.path("nonce").asString(null);
      if (nonce != null
          && body.path("enforce_nonce").asBoolean(false)
          && nonces.containsKey(nonce)) {
        json(exchange, 200, messages.get(nonces.get(nonce)));
        return;
      }
      ObjectNode message = Json.object();
      message.put("id", snowflake());
      message.put("channel_id", channel);
      message.put("type", 0);
      body.properties()
          .forEach(
              field -> {
                if (!field.getKey().equals("enforce_nonce")
                    && !field.getKey().equals("allowed_mentions")) {
                  message.set(field.getKey(), field.getValue());
                }
              });
      message.putObject("author").put("id", CLIENT_ID).put("bot", true);
      messages.put(channel + ":" + message.get("id").asString(), message);
      if (nonce != null) {
        nonces.put(nonce, channel + ":" + message.get("id").asString());
      }
      json(exchange, 200, message);
    } else if ((matcher = CHANNEL.matcher(path)).matches() && method.equals("GET")) {
      String guild = channels.get(matcher.group(1));
      if (guild == null) {
        error(exchange, 404, "Unknown Channel", 10003);
        return;
      }
      ObjectNode channel = Json.object();
      channel.put("id", matcher.group(1));
      channel.put("type", 0);
      channel.put("guild_id", guild);
      channel.put("name", "votes");
      json(exchange, 200, channel);
    } else if ((matcher = GUILD.matcher(path)).matches() && method.equals("GET")) {
      if (!guilds.containsKey(matcher.group(1)) || left.contains(matcher.group(1))) {
        error(exchange, 404, "Unknown Guild", 10004);
        return;
      }
      ObjectNode guild = Json.object();
      guild.put("id", matcher.group(1));
      guild.put("name", guilds.get(matcher.group(1)));
      guild.put("owner_id", "80351110224678912");
      json(exchange, 200, guild);
    } else if ((matcher = COMMANDS.matcher(path)).matches()
        && (method.equals("POST") || method.equals("PATCH"))) {
      if (!matcher.group(1).equals(CLIENT_ID) || !guilds.containsKey(matcher.group(2))) {
        error(exchange, 403, "Missing Access", 50001);
        return;
      }
      ObjectNode command = (ObjectNode) body.deepCopy();
      command.put("id", matcher.group(3) != null ? matcher.group(3) : snowflake());
      command.put("application_id", CLIENT_ID);
      command.put("guild_id", matcher.group(2));
      command.put("version", snowflake());
      json(exchange, method.equals("POST") ? 201 : 200, command);
    } else if ((matcher = LEAVE.matcher(path)).matches() && method.equals("DELETE")) {
      if (!guilds.containsKey(matcher.group(1)) || !left.add(matcher.group(1))) {
        error(exchange, 404, "Unknown Guild", 10004);
        return;
      }
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    } else {
      error(exchange, 404, "404: Not Found", 0);
    }
  }

  private void token(HttpExchange exchange, String authorization, JsonNode form)
      throws IOException {
    String expected =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
    if (!expected.equals(authorization)) {
      json(exchange, 401, (ObjectNode) Json.parse("{\"error\": \"invalid_client\"}"));
      return;
    }
    Code code = codes.remove(form.path("code").asString(""));
    if (!"authorization_code".equals(form.path("grant_type").asString(""))
        || code == null
        || !code.redirectUri().equals(form.path("redirect_uri").asString(""))) {
      json(
          exchange,
          400,
          (ObjectNode)
              Json.parse(
                  "{\"error\": \"invalid_grant\", \"error_description\": \"Invalid \\\"code\\\" in request.\"}"));
      return;
    }
    ObjectNode answer = Json.object();
    answer.put("token_type", "Bearer");
    answer.put("access_token", "user-access-" + sequence.incrementAndGet());
    answer.put("expires_in", 604800);
    answer.put("refresh_token", "user-refresh-" + sequence.incrementAndGet());
    answer.put("scope", "bot applications.commands");
    ObjectNode guild = answer.putObject("guild");
    guild.put("id", code.guildId());
    guild.put("name", code.guildName());
    guild.put("owner_id", "80351110224678912");
    json(exchange, 200, answer);
  }

  private static void error(HttpExchange exchange, int status, String message, int code)
      throws IOException {
    ObjectNode error = Json.object();
    error.put("message", message);
    error.put("code", code);
    json(exchange, status, error);
  }

  private static void json(HttpExchange exchange, int status, ObjectNode body) throws IOException {
    send(exchange, status, "application/json", Json.write(body));
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
