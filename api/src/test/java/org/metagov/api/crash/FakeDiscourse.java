package org.metagov.api.crash;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A stateful fake Discourse (with its poll plugin) on 127.0.0.1, faithful to the calls the
 * discourse plugin makes (see {@code DiscourseApi} and {@code DiscoursePoll}):
 *
 * <ul>
 *   <li>{@code POST /posts.json} creates a topic and its first post. The post is committed when the
 *       request ARRIVES, before the (optional) fixed delay of the answer: a client killed during
 *       the delay has created the topic and lost the answer, as with a real forum. Topic titles and
 *       {@code external_id}s are unique: a second create answers 422 {@code {"action":
 *       "create_post", "errors": ["Title has already been used", ...]}}.
 *   <li>{@code GET /t/external_id/{id}.json} redirects (302) to {@code /t/{slug}/{topic_id}.json},
 *       or 404.
 *   <li>{@code GET /t/{id}.json}: the topic with {@code post_stream.posts[0]}.
 *   <li>{@code GET /posts/{id}.json}: the post with {@code raw} and {@code polls[]} (options with
 *       {@code html} and {@code votes}, {@code voters}, {@code status}).
 *   <li>{@code PUT /polls/toggle_status} ({@code post_id}, {@code poll_name}, {@code status}):
 *       {@code {"poll": ...}}, 422 when the poll already has that status.
 * </ul>
 *
 * Every call needs the {@code Api-Key} header (403 otherwise).
 *
 * <p>The forum's state and its counters change and are read under the fake's lock, each change in
 * one critical section: a test never sees a create counted whose topic is not stored yet.
 */
final class FakeDiscourse implements AutoCloseable {

  static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Pattern MARKER = Pattern.compile("<!-- metagov-process:([^:]+):(\\d+) -->");
  private static final Pattern POST = Pattern.compile("^/posts/(\\d+)\\.json$");
  private static final Pattern TOPIC = Pattern.compile("^/t/(\\d+)\\.json$");
  private static final Pattern TOPIC_BY_EXTERNAL_ID =
      Pattern.compile("^/t/external_id/([^/]+)\\.json$");

  /** A topic with its first post (the only kind the poll process creates). */
  static final class Topic {
    final long id;
    final long postId;
    final String title;
    final String slug;
    final String externalId;
    final String raw;
    final String marker;
    final List<String> options;
    final List<Long> votes;
    String status = "open";

    Topic(
        long id,
        long postId,
        String title,
        String externalId,
        String raw,
        String marker,
        List<String> options) {
      this.id = id;
      this.postId = postId;
      this.title = title;
      this.slug =
          title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
      this.externalId = externalId;
      this.raw = raw;
      this.marker = marker;
      this.options = options;
      this.votes = new ArrayList<>(options.stream().map(o -> 0L).toList());
    }
  }

  private final String apiKey;
  private final WireMockServer server;
  private final Map<Long, Topic> topicsById = new LinkedHashMap<>();
  private final AtomicLong nextTopicId = new AtomicLong(40);
  private final AtomicLong nextPostId = new AtomicLong(120);
  private int createRequests;
  private int createsRefused;
  private long firstCreateNanos;
  private final AtomicInteger externalIdLookups = new AtomicInteger();
  private final Map<String, AtomicInteger> createdByMarker = new LinkedHashMap<>();
  private volatile int createDelayMillis;

  /**
   * The forum's creations at one instant: requests answered or held back, refusals, topics stored.
   */
  record Creates(int requests, int refused, int topics) {}

  FakeDiscourse(String apiKey) {
    this.apiKey = apiKey;
    this.server =
        new WireMockServer(
            WireMockConfiguration.options()
                .bindAddress("127.0.0.1")
                .dynamicPort()
                .containerThreads(30)
                .extensions(new Behaviour()));
    server.start();
    server.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(404)));
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.port();
  }

  /**
   * Answers of later {@code POST /posts.json} are held back this long (the post is created at
   * once).
   */
  void delayCreates(int millis) {
    createDelayMillis = millis;
  }

  /** {@code POST /posts.json} requests the forum has acted on (created the topic or refused it). */
  synchronized int createRequests() {
    return createRequests;
  }

  /** Milliseconds since the first {@code POST /posts.json} arrived, -1 before it. */
  synchronized long millisSinceFirstCreate() {
    return createRequests == 0 ? -1 : (System.nanoTime() - firstCreateNanos) / 1_000_000;
  }

  synchronized int createsRefused() {
    return createsRefused;
  }

  synchronized Creates creates() {
    return new Creates(createRequests, createsRefused, topicsById.size());
  }

  int externalIdLookups() {
    return externalIdLookups.get();
  }

  synchronized int topicCount() {
    return topicsById.size();
  }

  /** Posts actually created per process marker: more than one for a marker is a duplicate poll. */
  synchronized Map<String, Integer> createdPostsByMarker() {
    Map<String, Integer> copy = new LinkedHashMap<>();
    createdByMarker.forEach((marker, count) -> copy.put(marker, count.get()));
    return copy;
  }

  synchronized Topic topicOf(String community, long processId) {
    String marker = community + ":" + processId;
    return topicsById.values().stream()
        .filter(t -> marker.equals(t.marker))
        .findFirst()
        .orElse(null);
  }

  /** Votes are cast on the forum: sets the option's count. */
  synchronized void setVotes(long postId, String option, long votes) {
    Topic topic =
        topicsById.values().stream().filter(t -> t.postId == postId).findFirst().orElseThrow();
    topic.votes.set(topic.options.indexOf(option), votes);
  }

  synchronized String pollStatus(long postId) {
    return topicsById.values().stream()
        .filter(t -> t.postId == postId)
        .findFirst()
        .orElseThrow()
        .status;
  }

  @Override
  public void close() {
    server.stop();
  }

  // --- the forum
  // -------------------------------------------------------------------------------------

  private final class Behaviour implements ResponseDefinitionTransformerV2 {

    @Override
    public String getName() {
      return "fake-discourse";
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
      try {
        return answer(event.getRequest()).build();
      } catch (RuntimeException e) {
        return json(500, error(e.toString())).build();
      }
    }
  }

  private ResponseDefinitionBuilder answer(Request request) {
    String method = request.getMethod().getName();
    String path = request.getUrl().replaceFirst("\\?.*$", "");
    if (!apiKey.equals(request.getHeader("Api-Key"))) {
      return json(
          403,
          error(
              "You are not permitted to view the requested resource. The API username or key is invalid."));
    }
    Matcher m;
    if ("POST".equals(method) && "/posts.json".equals(path)) {
      ResponseDefinitionBuilder answer = createPost(JSON.readTree(request.getBodyAsString()));
      int delay = createDelayMillis;
      return delay > 0 ? answer.withFixedDelay(delay) : answer;
    }
    if ("GET".equals(method) && (m = TOPIC_BY_EXTERNAL_ID.matcher(path)).matches()) {
      externalIdLookups.incrementAndGet();
      Topic topic = byExternalId(m.group(1));
      if (topic == null) {
        return notFound();
      }
      return aResponse()
          .withStatus(302)
          .withHeader("Location", baseUrl() + "/t/" + topic.slug + "/" + topic.id + ".json");
    }
    if ("GET".equals(method) && (m = TOPIC.matcher(path)).matches()) {
      Topic topic = topic(Long.parseLong(m.group(1)));
      return topic == null ? notFound() : json(200, topicJson(topic));
    }
    if ("GET".equals(method) && (m = POST.matcher(path)).matches()) {
      Topic topic = topicOfPost(Long.parseLong(m.group(1)));
      return topic == null ? notFound() : json(200, postJson(topic));
    }
    if ("PUT".equals(method) && "/polls/toggle_status".equals(path)) {
      return toggleStatus(JSON.readTree(request.getBodyAsString()));
    }
    return notFound();
  }

  private synchronized ResponseDefinitionBuilder createPost(JsonNode body) {
    if (createRequests++ == 0) {
      firstCreateNanos = System.nanoTime();
    }
    String title = body.path("title").asString("");
    String raw = body.path("raw").asString("");
    String externalId = body.path("external_id").asString(null);
    List<String> errors = new ArrayList<>();
    if (title.length() < 15) {
      errors.add("Title must be at least 15 characters");
    }
    if (topicsById.values().stream().anyMatch(t -> t.title.equalsIgnoreCase(title))) {
      errors.add("Title has already been used");
    }
    if (externalId != null && byExternalId(externalId) != null) {
      errors.add("External ID has already been taken");
    }
    if (!errors.isEmpty()) {
      createsRefused++;
      ObjectNode refusal = JSON.createObjectNode().put("action", "create_post");
      ArrayNode list = refusal.putArray("errors");
      errors.forEach(list::add);
      return json(422, refusal);
    }
    Matcher marker = MARKER.matcher(raw);
    String markerKey = marker.find() ? marker.group(1) + ":" + marker.group(2) : null;
    List<String> options = new ArrayList<>();
    boolean inPoll = false;
    for (String line : raw.split("\n")) {
      if (line.startsWith("[poll")) {
        inPoll = true;
      } else if (line.startsWith("[/poll]")) {
        inPoll = false;
      } else if (inPoll && line.startsWith("* ")) {
        options.add(line.substring(2).strip());
      }
    }
    Topic topic =
        new Topic(
            nextTopicId.incrementAndGet(),
            nextPostId.incrementAndGet(),
            title,
            externalId,
            raw,
            markerKey,
            options);
    topicsById.put(topic.id, topic);
    createdByMarker
        .computeIfAbsent(String.valueOf(markerKey), k -> new AtomicInteger())
        .incrementAndGet();
    return json(200, postJson(topic));
  }

  private synchronized ResponseDefinitionBuilder toggleStatus(JsonNode body) {
    Topic topic = topicOfPost(body.path("post_id").asLong());
    if (topic == null || !"poll".equals(body.path("poll_name").asString(""))) {
      return notFound();
    }
    String status = body.path("status").asString("");
    if (!"open".equals(status) && !"closed".equals(status)) {
      return json(400, error("param is missing or the value is empty: status"));
    }
    if (status.equals(topic.status)) {
      return json(422, error("Poll is already " + status));
    }
    topic.status = status;
    ObjectNode answer = JSON.createObjectNode();
    answer.set("poll", pollJson(topic));
    return json(200, answer);
  }

  private Topic byExternalId(String externalId) {
    synchronized (this) {
      return topicsById.values().stream()
          .filter(t -> externalId.equals(t.externalId))
          .findFirst()
          .orElse(null);
    }
  }

  private synchronized Topic topic(long id) {
    return topicsById.get(id);
  }

  private synchronized Topic topicOfPost(long postId) {
    return topicsById.values().stream().filter(t -> t.postId == postId).findFirst().orElse(null);
  }

  private synchronized ObjectNode postJson(Topic topic) {
    ObjectNode post =
        JSON.createObjectNode()
            .put("id", topic.postId)
            .put("topic_id", topic.id)
            .put("topic_slug", topic.slug)
            .put("post_number", 1)
            .put("username", "system")
            .put("user_id", -1)
            .put("raw", topic.raw)
            .put("cooked", "<p>" + topic.title + "</p>");
    post.putArray("polls").add(pollJson(topic));
    return post;
  }

  private synchronized ObjectNode pollJson(Topic topic) {
    ObjectNode poll =
        JSON.createObjectNode()
            .put("id", topic.postId * 10)
            .put("name", "poll")
            .put("type", "regular")
            .put("status", topic.status)
            .put("public", true)
            .put("results", "always");
    ArrayNode options = poll.putArray("options");
    long voters = 0;
    for (int i = 0; i < topic.options.size(); i++) {
      options
          .addObject()
          .put("id", Integer.toHexString((topic.options.get(i)).hashCode()))
          .put("html", topic.options.get(i))
          .put("votes", topic.votes.get(i));
      voters += topic.votes.get(i);
    }
    poll.put("voters", voters);
    poll.putNull("title");
    return poll;
  }

  private static ObjectNode topicJson(Topic topic) {
    ObjectNode json =
        JSON.createObjectNode()
            .put("id", topic.id)
            .put("title", topic.title)
            .put("slug", topic.slug);
    if (topic.externalId != null) {
      json.put("external_id", topic.externalId);
    }
    ObjectNode stream = json.putObject("post_stream");
    stream
        .putArray("posts")
        .addObject()
        .put("id", topic.postId)
        .put("post_number", 1)
        .put("topic_id", topic.id);
    stream.putArray("stream").add(topic.postId);
    return json;
  }

  private static ObjectNode error(String message) {
    ObjectNode json = JSON.createObjectNode();
    json.putArray("errors").add(message);
    return json;
  }

  private static ResponseDefinitionBuilder notFound() {
    ObjectNode json = error("The requested URL or resource could not be found.");
    json.put("error_type", "not_found");
    return json(404, json);
  }

  private static ResponseDefinitionBuilder json(int status, JsonNode body) {
    return aResponse()
        .withStatus(status)
        .withHeader("Content-Type", "application/json; charset=utf-8")
        .withBody(JSON.writeValueAsString(body));
  }
}
