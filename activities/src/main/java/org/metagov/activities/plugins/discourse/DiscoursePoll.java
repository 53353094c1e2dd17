package org.metagov.activities.plugins.discourse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ClosingTimes;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.ProcessAdapter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Discourse poll: a post whose raw text holds a {@code [poll]} block, in a new topic or as a
 * reply.
 *
 * <p><b>Idempotent start.</b> A new topic is created with an {@code external_id} derived from the
 * community and the process id ({@code metagov-<id>-<hash of community>}). Discourse keeps topic
 * external ids unique, so a start retried after a lost answer is refused with 422; the adapter then
 * finds the topic by that external id ({@code GET /t/external_id/{id}.json}), checks that its first
 * post carries this process's marker ({@code <!-- metagov-process:{community}:{id} -->} at the end
 * of the raw text, invisible once cooked) and adopts it. Limits: a poll posted as a <em>reply</em>
 * ({@code topic_id}) has no external id, so a reply retried after a lost answer can be posted
 * twice; and two Metagov deployments sharing one Discourse and one community slug would share
 * external ids.
 *
 * <p>The poll is closable early ({@code PUT /polls/toggle_status}); without {@code closing_at} it
 * has no deadline and ends when it is closed through Metagov or on Discourse.
 */
final class DiscoursePoll implements ProcessAdapter {

  static final String POLL_NAME = "poll";

  @Override
  public Instant closingAt(JsonNode parameters, Instant now) {
    checkText(parameters);
    return ClosingTimes.optional(parameters, now);
  }

  /**
   * Options become {@code * option} lines inside the poll block, so they must stay on one line and
   * inside it.
   */
  static void checkText(JsonNode parameters) {
    JsonNode options = parameters.path("options");
    for (int i = 0; i < options.size(); i++) {
      String option = options.get(i).asString("");
      if (option.contains("\n") || option.contains("\r")) {
        throw InvalidInputException.of("options[" + i + "]", "must not contain a line break");
      }
      if (option.toLowerCase(Locale.ROOT).contains("[/poll]") || option.isBlank()) {
        throw InvalidInputException.of(
            "options[" + i + "]", "must be non-blank text without [/poll]");
      }
    }
    String title = parameters.path("title").asString("");
    if (title.contains("\n") || title.contains("\r")) {
      throw InvalidInputException.of("title", "must not contain a line break");
    }
    if (parameters.path("details").asString("").toLowerCase(Locale.ROOT).contains("[poll")) {
      throw InvalidInputException.of(
          "details", "must not contain a [poll] block; the plugin writes the poll itself");
    }
  }

  static String marker(String community, long id) {
    return "<!-- metagov-process:" + community + ":" + id + " -->";
  }

  /** At most 50 characters of [A-Za-z0-9_-], as Discourse requires of a topic external_id. */
  static String externalId(String community, long id) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(community.getBytes(StandardCharsets.UTF_8));
      return "metagov-" + id + "-" + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String raw(JsonNode parameters, String marker) {
    StringBuilder raw = new StringBuilder();
    String details = parameters.path("details").asString("");
    if (!details.isBlank()) {
      raw.append(details.strip()).append("\n\n");
    }
    String type = parameters.path("poll_type").asString("regular");
    raw.append("[poll name=")
        .append(POLL_NAME)
        .append(" type=")
        .append(type)
        .append(" results=")
        .append(parameters.path("results").asString("always"))
        .append(" public=")
        .append(parameters.path("public").asBoolean(true));
    if (parameters.path("closing_at").isString()) {
      raw.append(" close=").append(ClosingTimes.parse(parameters.get("closing_at").asString()));
    }
    if (!"regular".equals(type)) {
      if (parameters.path("min").isNumber()) {
        raw.append(" min=").append(parameters.get("min").asLong());
      }
      if (parameters.path("max").isNumber()) {
        raw.append(" max=").append(parameters.get("max").asLong());
      }
    }
    if (parameters.path("chart_type").isString()) {
      raw.append(" chartType=").append(parameters.get("chart_type").asString());
    }
    raw.append("]\n");
    if (parameters.path("topic_id").isNumber()) {
      // A reply has no topic title of its own: give the poll the title.
      raw.append("# ").append(parameters.path("title").asString()).append('\n');
    }
    for (JsonNode option : parameters.path("options")) {
      raw.append("* ").append(option.asString().strip()).append('\n');
    }
    raw.append("[/poll]\n\n").append(marker);
    return raw.toString();
  }

  @Override
  public ProcessSnapshot start(PluginContext context, ProcessInstance process) {
    JsonNode parameters = process.parameters();
    checkText(parameters);
    DiscourseApi api = new DiscourseApi(context);
    String marker = marker(process.community(), process.id());
    boolean reply = parameters.path("topic_id").isNumber();
    ObjectNode body = Json.object();
    body.put("raw", raw(parameters, marker));
    String externalId = externalId(process.community(), process.id());
    if (reply) {
      body.put("topic_id", parameters.get("topic_id").asLong());
    } else {
      body.put("title", parameters.path("title").asString());
      if (parameters.path("category").isNumber()) {
        body.put("category", parameters.get("category").asLong());
      }
      body.put("external_id", externalId);
    }
    JsonNode post;
    try {
      post = api.post("/posts.json", body, "create the poll post");
    } catch (PlatformException e) {
      if (reply || e.kind() != Kind.REJECTED || e.platformStatus() != 422) {
        throw e;
      }
      // Maybe an earlier attempt created the topic and its answer was lost.
      Optional<JsonNode> earlier = findEarlierTopic(api, externalId, marker);
      if (earlier.isEmpty()) {
        throw e;
      }
      post = earlier.get();
    }
    requireCreated(post);
    if (!post.path("polls").isArray()) {
      post = readPost(api, post.path("id").asLong());
    }
    return snapshot(api, post);
  }

  static void requireCreated(JsonNode post) {
    if (post != null && "enqueued".equals(post.path("action").asString(null))) {
      throw new PlatformException(
          Kind.REJECTED,
          DiscourseApi.PLATFORM,
          200,
          "Discourse queued the post for review instead of publishing it; use an api_username whose posts skip review.");
    }
    if (post == null || !post.path("id").isNumber() || !post.path("topic_id").isNumber()) {
      throw new PlatformException(
          Kind.FAILED,
          DiscourseApi.PLATFORM,
          200,
          "Discourse's answer to the new post has no id and topic_id.");
    }
  }

  /** The first post of the topic with this external id, if it carries this process's marker. */
  private static Optional<JsonNode> findEarlierTopic(
      DiscourseApi api, String externalId, String marker) {
    Optional<Long> topicId = api.topicIdByExternalId(externalId);
    if (topicId.isEmpty()) {
      return Optional.empty();
    }
    JsonNode topic = api.get("/t/" + topicId.get() + ".json", "read topic " + topicId.get());
    JsonNode first = topic == null ? null : topic.path("post_stream").path("posts").path(0);
    if (first == null || !first.path("id").isNumber()) {
      return Optional.empty();
    }
    JsonNode post = readPost(api, first.get("id").asLong());
    return post.path("raw").asString("").contains(marker) ? Optional.of(post) : Optional.empty();
  }

  @Override
  public ProcessSnapshot refresh(PluginContext context, ProcessInstance process) {
    DiscourseApi api = new DiscourseApi(context);
    return snapshot(api, readPost(api, postId(process)));
  }

  @Override
  public ProcessSnapshot close(PluginContext context, ProcessInstance process) {
    DiscourseApi api = new DiscourseApi(context);
    long postId = postId(process);
    String pollName = process.platformState().path("poll_name").asString(POLL_NAME);
    ObjectNode body = Json.object();
    body.put("post_id", postId);
    body.put("poll_name", pollName);
    body.put("status", "closed");
    JsonNode answer;
    try {
      answer = api.put("/polls/toggle_status", body, "close the poll");
    } catch (PlatformException e) {
      if (e.kind() != Kind.REJECTED || e.platformStatus() != 422) {
        throw e;
      }
      // Perhaps it is closed already; otherwise the refusal stands.
      ProcessSnapshot current = snapshot(api, readPost(api, postId));
      if (current.closed()) {
        return current;
      }
      throw e;
    }
    JsonNode poll = answer == null ? null : answer.get("poll");
    if (poll == null || !poll.isObject()) {
      return snapshot(api, readPost(api, postId));
    }
    JsonNode state = process.platformState();
    String url = url(api, state);
    return new ProcessSnapshot(
        state,
        outcome(poll, url),
        url,
        "closed".equals(poll.path("status").asString(null)),
        routingKeys(state.path("post_id").asLong(), state.path("topic_id").asLong()));
  }

  private static long postId(ProcessInstance process) {
    JsonNode postId = process.platformState().path("post_id");
    if (!postId.isNumber()) {
      throw new PlatformException(
          Kind.REJECTED,
          DiscourseApi.PLATFORM,
          0,
          "This process has no Discourse post recorded; it was never started on Discourse.");
    }
    return postId.asLong();
  }

  static JsonNode readPost(DiscourseApi api, long postId) {
    try {
      JsonNode post = api.get("/posts/" + postId + ".json", "read post " + postId);
      if (post == null || !post.isObject()) {
        throw new PlatformException(
            Kind.FAILED,
            DiscourseApi.PLATFORM,
            200,
            "Discourse answered post " + postId + " with no post.");
      }
      return post;
    } catch (PlatformException e) {
      if (e.platformStatus() == 404) {
        throw new PlatformException(
            Kind.REJECTED,
            DiscourseApi.PLATFORM,
            404,
            "The Discourse post "
                + postId
                + " holding the poll no longer exists (404): it was deleted, or the api_username cannot see it.");
      }
      throw e;
    }
  }

  private static ProcessSnapshot snapshot(DiscourseApi api, JsonNode post) {
    ObjectNode state = Json.object();
    state.put("post_id", post.path("id").asLong());
    state.put("topic_id", post.path("topic_id").asLong());
    state.put("topic_slug", post.path("topic_slug").asString("topic"));
    state.put("post_number", post.path("post_number").asLong(1));
    state.put("poll_name", POLL_NAME);
    JsonNode poll = null;
    for (JsonNode candidate : post.path("polls")) {
      if (POLL_NAME.equals(candidate.path("name").asString(null))) {
        poll = candidate;
      }
    }
    if (poll == null) {
      throw new PlatformException(
          Kind.REJECTED,
          DiscourseApi.PLATFORM,
          200,
          "The Discourse post "
              + post.path("id").asLong()
              + " has no poll named \""
              + POLL_NAME
              + "\": it was edited away, or the poll plugin is disabled.");
    }
    String url = url(api, state);
    return new ProcessSnapshot(
        state,
        outcome(poll, url),
        url,
        "closed".equals(poll.path("status").asString(null)),
        routingKeys(state.path("post_id").asLong(), state.path("topic_id").asLong()));
  }

  private static List<String> routingKeys(long postId, long topicId) {
    return List.of("post:" + postId, "topic:" + topicId);
  }

  private static String url(DiscourseApi api, JsonNode state) {
    return api.serverUrl()
        + "/t/"
        + state.path("topic_slug").asString("topic")
        + "/"
        + state.path("topic_id").asLong()
        + "/"
        + state.path("post_number").asLong(1);
  }

  /**
   * Option text (tags stripped) to votes. Discourse leaves out {@code votes} when the caller may
   * not see results yet; those counts are null and {@code results_hidden} is true.
   */
  static ObjectNode outcome(JsonNode poll, String url) {
    ObjectNode outcome = Json.object();
    outcome.put("poll_url", url);
    ObjectNode votes = Json.object();
    boolean hidden = false;
    for (JsonNode option : poll.path("options")) {
      String name = plainText(option.path("html").asString(""));
      if (option.path("votes").isNumber()) {
        votes.put(name, option.get("votes").asLong());
      } else {
        votes.putNull(name);
        hidden = true;
      }
    }
    outcome.set("votes", votes);
    outcome.put("results_hidden", hidden);
    outcome.put("voters", poll.path("voters").asLong(0));
    outcome.put("status", poll.path("status").asString("open"));
    return outcome;
  }

  static String plainText(String html) {
    String text =
        html.replaceAll("<img[^>]*\\balt=\"([^\"]*)\"[^>]*>", "$1").replaceAll("<[^>]*>", "");
    return text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
        .strip();
  }
}
