package org.metagov.api.crash;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.metagov.activities.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A fake GitHub REST API on loopback (JDK HttpServer) for one app and one repository, stateful
 * where the issue votes depend on it: installation tokens minted only for the app's RS256 JWT, the
 * repository's issues (newest first, authored by the app's bot), their reactions and comments
 * (paged), and issues closed by {@code PATCH}. Errors are GitHub's JSON {@code message}. It can
 * hold its answer to the next issue creation, after the issue is created, so that a test can kill
 * the application while the answer is on its way.
 */
final class FakeGitHub implements AutoCloseable {

  static final String APP_ID = "424242";
  static final String SLUG = "metagov-crash";
  static final String OWNER = "Crash-Org";
  static final String REPO = "charter";

  private static final Pattern ISSUE_PATH =
      Pattern.compile(
          "/api/repos/" + OWNER + "/" + REPO + "/issues(?:/(\\d+)(?:/(reactions|comments))?)?");

  private final HttpServer server;
  private final KeyPair keys;
  private final List<String> tokens = new ArrayList<>();
  private final Map<Long, ObjectNode> issues = new LinkedHashMap<>();
  private final Map<Long, ArrayNode> reactions = new LinkedHashMap<>();
  private final Map<Long, ArrayNode> comments = new LinkedHashMap<>();
  private final AtomicLong sequence = new AtomicLong(100);
  private final List<String> requests = new ArrayList<>();
  private volatile CountDownLatch creationReceived;
  private volatile Duration creationHeld = Duration.ZERO;

  FakeGitHub() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      keys = generator.generateKeyPair();
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/api/", this::api);
    server.start();
  }

  String apiBaseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/api";
  }

  String privateKeyPem() {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder().encodeToString(keys.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----";
  }

  /**
   * Holds the answer to the next issue creation for {@code hold} after creating it; the latch opens
   * on receipt.
   */
  CountDownLatch holdNextIssueCreation(Duration hold) {
    creationHeld = hold;
    creationReceived = new CountDownLatch(1);
    return creationReceived;
  }

  synchronized List<String> requests(String prefix) {
    return requests.stream().filter(r -> r.startsWith(prefix)).toList();
  }

  synchronized List<JsonNode> issues() {
    return List.copyOf(issues.values());
  }

  synchronized List<JsonNode> comments(long issue) {
    List<JsonNode> list = new ArrayList<>();
    comments.getOrDefault(issue, Json.MAPPER.createArrayNode()).forEach(list::add);
    return list;
  }

  synchronized void react(long issue, String login, String content) {
    ObjectNode reaction =
        reactions.computeIfAbsent(issue, n -> Json.MAPPER.createArrayNode()).addObject();
    reaction.put("id", sequence.incrementAndGet());
    reaction.put("content", content);
    user(reaction.putObject("user"), login, "User");
  }

  /**
   * A person's comment; returns the {@code issue_comment} webhook payload GitHub would send for it.
   */
  synchronized String comment(long issue, String login, String body, String installationId) {
    ObjectNode comment = addComment(issue, login, "User", body);
    return "{\"action\": \"created\", \"issue\": {\"number\": "
        + issue
        + "}, \"comment\": "
        + Json.write(comment)
        + ", \"repository\": {\"name\": \""
        + REPO
        + "\", \"full_name\": \""
        + OWNER
        + "/"
        + REPO
        + "\"},"
        + " \"sender\": {\"login\": \""
        + login
        + "\", \"type\": \"User\"}, \"installation\": {\"id\": "
        + installationId
        + "}}";
  }

  private ObjectNode addComment(long issue, String login, String type, String body) {
    ObjectNode comment =
        comments.computeIfAbsent(issue, n -> Json.MAPPER.createArrayNode()).addObject();
    comment.put("id", sequence.incrementAndGet());
    comment.put("body", body);
    user(comment.putObject("user"), login, type);
    ObjectNode stored = issues.get(issue);
    stored.put("comments", stored.path("comments").asInt() + 1);
    return comment;
  }

  private static void user(ObjectNode user, String login, String type) {
    user.put("login", login);
    user.put("type", type);
  }

  private void api(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getRawPath();
      String query = exchange.getRequestURI().getRawQuery();
      byte[] body = exchange.getRequestBody().readAllBytes();
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      synchronized (this) {
        requests.add(method + " " + path + (query == null ? "" : "?" + query));
      }
      if (path.matches("/api/app/installations/\\d+/access_tokens") && method.equals("POST")) {
        if (!appJwt(authorization)) {
          answer(exchange, 401, "{\"message\": \"A JSON web token could not be decoded\"}");
          return;
        }
        String token = "ghs_" + sequence.incrementAndGet();
        synchronized (this) {
          tokens.add(token);
        }
        answer(
            exchange,
            201,
            "{\"token\": \""
                + token
                + "\", \"expires_at\": \""
                + Instant.now().plus(Duration.ofHours(1))
                + "\"}");
        return;
      }
      synchronized (this) {
        if (authorization == null || !tokens.contains(authorization.replaceFirst("^Bearer ", ""))) {
          answer(
              exchange,
              401,
              "{\"message\": \"Bad credentials\", \"documentation_url\": \"https://docs.github.com/rest\"}");
          return;
        }
      }
      Matcher matcher = ISSUE_PATH.matcher(path);
      if (!matcher.matches()) {
        answer(exchange, 404, "{\"message\": \"Not Found\"}");
        return;
      }
      Map<String, String> parameters = query(query);
      if (matcher.group(1) == null) {
        if (method.equals("POST")) {
          createIssue(exchange, Json.parse(new String(body, StandardCharsets.UTF_8)));
        } else {
          ArrayNode newestFirst = Json.MAPPER.createArrayNode();
          List<JsonNode> all = issues();
          for (int i = all.size() - 1;
              i >= 0
                  && newestFirst.size()
                      < Integer.parseInt(parameters.getOrDefault("per_page", "30"));
              i--) {
            newestFirst.add(all.get(i));
          }
          answer(exchange, 200, Json.write(newestFirst));
        }
        return;
      }
      long number = Long.parseLong(matcher.group(1));
      String answer;
      int status = 200;
      synchronized (this) {
        ObjectNode issue = issues.get(number);
        if (issue == null) {
          answer(exchange, 404, "{\"message\": \"Not Found\"}");
          return;
        }
        if (matcher.group(2) == null && method.equals("PATCH")) {
          issue.put(
              "state",
              Json.parse(new String(body, StandardCharsets.UTF_8)).path("state").asString("open"));
          answer = Json.write(issue);
        } else if (matcher.group(2) == null) {
          answer = Json.write(issue);
        } else if (matcher.group(2).equals("comments") && method.equals("POST")) {
          answer =
              Json.write(
                  addComment(
                      number,
                      SLUG + "[bot]",
                      "Bot",
                      Json.parse(new String(body, StandardCharsets.UTF_8))
                          .path("body")
                          .asString()));
          status = 201;
        } else {
          ArrayNode all =
              (matcher.group(2).equals("reactions") ? reactions : comments)
                  .getOrDefault(number, Json.MAPPER.createArrayNode());
          int perPage = Integer.parseInt(parameters.getOrDefault("per_page", "30"));
          int page = Integer.parseInt(parameters.getOrDefault("page", "1"));
          ArrayNode slice = Json.MAPPER.createArrayNode();
          for (int i = (page - 1) * perPage; i < Math.min(all.size(), page * perPage); i++) {
            slice.add(all.get(i));
          }
          answer = Json.write(slice);
        }
      }
      answer(exchange, status, answer);
    }
  }

  private void createIssue(HttpExchange exchange, JsonNode request) throws IOException {
    ObjectNode issue;
    synchronized (this) {
      long number = issues.size() + 1;
      issue = Json.object();
      issue.put("number", number);
      issue.put("state", "open");
      issue.put("title", request.path("title").asString());
      issue.put("body", request.path("body").asString());
      issue.put("comments", 0);
      issue.put("html_url", "https://github.com/" + OWNER + "/" + REPO + "/issues/" + number);
      user(issue.putObject("user"), SLUG + "[bot]", "Bot");
      issues.put(number, issue);
    }
    CountDownLatch received = creationReceived;
    if (received != null) {
      creationReceived = null;
      received.countDown();
      try {
        Thread.sleep(creationHeld.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    answer(exchange, 201, Json.write(issue));
  }

  /**
   * An RS256 JWT under the app's key, issued by the App ID, fresh and short-lived, as GitHub
   * requires.
   */
  private boolean appJwt(String authorization) {
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return false;
    }
    String[] parts = authorization.substring(7).split("\\.");
    if (parts.length != 3) {
      return false;
    }
    try {
      Signature signature = Signature.getInstance("SHA256withRSA");
      signature.initVerify(keys.getPublic());
      signature.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!signature.verify(Base64.getUrlDecoder().decode(parts[2]))) {
        return false;
      }
      JsonNode claims =
          Json.parse(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
      long now = Instant.now().getEpochSecond();
      return APP_ID.equals(claims.path("iss").asString())
          && claims.path("iat").asLong() <= now
          && claims.path("exp").asLong() > now
          && claims.path("exp").asLong() - claims.path("iat").asLong() <= 600;
    } catch (Exception e) {
      return false;
    }
  }

  private static Map<String, String> query(String query) {
    Map<String, String> parameters = new LinkedHashMap<>();
    if (query != null) {
      for (String pair : query.split("&")) {
        int equals = pair.indexOf('=');
        if (equals > 0) {
          parameters.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
      }
    }
    return parameters;
  }

  private static void answer(HttpExchange exchange, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
