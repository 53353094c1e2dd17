package org.metagov.activities.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.metagov.activities.delivery.EventOutboxStore.QueuedEvent;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ActionSpec;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.PluginContexts;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.activities.plugin.WebhookHandler;
import org.metagov.activities.plugin.WebhookRequest;
import org.metagov.workflows.delivery.EventOutboxActivities.OutboxDrain;
import tools.jackson.databind.JsonNode;

/**
 * The outbox activity with an in-memory store, a real {@link DriverSender} and a real {@link
 * OutboundUrlPolicy} against a loopback HTTP receiver whose answers each test scripts per event id.
 */
class EventOutboxActivitiesImplTest {

  static final String COMMUNITY = "c1";
  static final String PLUGIN = "hinting";
  static final Duration GIVE_UP_AFTER = Duration.ofDays(4);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(8);
  static final String SECRET_BYTES = "a signing key of 32 bytes, ok..";
  static final String SECRET =
      "whsec_" + Base64.getEncoder().encodeToString(SECRET_BYTES.getBytes(StandardCharsets.UTF_8));

  Receiver receiver;
  MemoryStore store;
  EnrichingPlugin plugin;
  boolean pluginEnabled = true;

  @BeforeEach
  void setUp() throws IOException {
    receiver = new Receiver();
    store = new MemoryStore();
    plugin = new EnrichingPlugin();
  }

  @AfterEach
  void tearDown() {
    receiver.close();
  }

  EventOutboxActivitiesImpl activities(String signingSecret, Duration requestTimeout) {
    DriverSender sender =
        new DriverSender(
            new OutboundUrlPolicy(false), signingSecret, Duration.ofSeconds(5), requestTimeout);
    PluginContexts contexts =
        (community, name) ->
            pluginEnabled && name.equals(PLUGIN)
                ? Optional.of(new PluginContext(community, Json.object(), null, null))
                : Optional.empty();
    return new EventOutboxActivitiesImpl(
        store, sender, new PluginRegistry(List.of(plugin)), contexts, GIVE_UP_AFTER, MAX_BACKOFF);
  }

  EventOutboxActivitiesImpl activities() {
    return activities("", Duration.ofSeconds(15));
  }

  // ----------------------------------------------------------------------------------------------
  // order

  @Test
  void queuedEventsAreSentInOrderAndMarkedDelivered() {
    store.add("e1", receiver.url(), body("e1"));
    store.add("e2", receiver.url(), body("e2"));
    store.add("e3", receiver.url(), body("e3"));

    OutboxDrain drain = activities().deliverQueued(COMMUNITY);

    assertThat(drain).isEqualTo(new OutboxDrain(3, 0, 0, false));
    assertThat(receiver.ids()).containsExactly("e1", "e2", "e3");
    assertThat(receiver.requests.get(0).body()).isEqualTo(body("e1"));
    assertThat(receiver.requests.get(0).headers().get("content-type"))
        .isEqualTo("application/json");
    assertThat(store.states())
        .containsExactly(
            Map.entry("e1", "delivered"),
            Map.entry("e2", "delivered"),
            Map.entry("e3", "delivered"));
    assertThat(store.queued(COMMUNITY, 10)).isEmpty();

    assertThat(activities().deliverQueued(COMMUNITY))
        .as("an empty outbox")
        .isEqualTo(new OutboxDrain(0, 0, 0, false));
    assertThat(receiver.requests).hasSize(3);
  }

  @Test
  void moreEventsThanOneBatchAreAllSentInOrderInOneRun() {
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= 120; i++) {
      ids.add("e" + i);
      store.add("e" + i, receiver.url(), body("e" + i));
    }

    OutboxDrain drain = activities().deliverQueued(COMMUNITY);

    assertThat(drain).isEqualTo(new OutboxDrain(120, 0, 0, false));
    assertThat(receiver.ids()).containsExactlyElementsOf(ids);
  }

  @Test
  void onlyTheCommunitysOwnEventsAreSent() {
    store.add("e1", receiver.url(), body("e1"));
    store.add(
        new QueuedEvent(
            "other-1", "c2", PLUGIN, receiver.url(), body("other-1"), true, Instant.now()));

    assertThat(activities().deliverQueued(COMMUNITY)).isEqualTo(new OutboxDrain(1, 0, 0, false));
    assertThat(receiver.ids()).containsExactly("e1");
    assertThat(store.states().get("other-1")).isEqualTo("queued");
  }

  @Test
  void theWakeUpFlagIsClearedBeforeTheOutboxIsRead() {
    store.add("e1", receiver.url(), body("e1"));
    store.wake = true;

    activities().deliverQueued(COMMUNITY);

    assertThat(store.operations.get(0)).isEqualTo("clearWake c1");
    assertThat(store.operations).contains("queued c1");
    assertThat(store.wakeWhenRead).isNotEmpty().containsOnly(false);
  }

  // ----------------------------------------------------------------------------------------------
  // refusals

  @ParameterizedTest
  @ValueSource(ints = {400, 403, 404, 410, 422})
  void aPermanentRefusalIsDeadLetteredAtOnceAndTheNextEventIsDeliveredInTheSameRun(int status) {
    store.add("e1", receiver.url(), body("e1"));
    store.add("e2", receiver.url(), body("e2"));
    receiver.answer("e1", status);

    OutboxDrain drain = activities().deliverQueued(COMMUNITY);

    assertThat(drain).isEqualTo(new OutboxDrain(1, 1, 0, false));
    assertThat(receiver.ids()).containsExactly("e1", "e2");
    assertThat(store.states())
        .containsExactly(Map.entry("e1", "dead"), Map.entry("e2", "delivered"));
    assertThat(store.attempts.get("e1")).isEqualTo(1);
    assertThat(store.errors.get("e1")).contains("the receiver answered " + status);
  }

  @Test
  void aUrlThePolicyRefusesIsDeadLetteredWithoutARequest() {
    store.add("e1", "ftp://127.0.0.1/events", body("e1"));
    store.add("e2", "http://user:secret@127.0.0.1:" + receiver.port() + "/events", body("e2"));
    store.add("e3", receiver.url(), body("e3"));

    OutboxDrain drain = activities().deliverQueued(COMMUNITY);

    assertThat(drain).isEqualTo(new OutboxDrain(1, 2, 0, false));
    assertThat(receiver.ids()).containsExactly("e3");
    assertThat(store.states())
        .containsExactly(
            Map.entry("e1", "dead"), Map.entry("e2", "dead"), Map.entry("e3", "delivered"));
    assertThat(store.errors.get("e1")).contains("must be an absolute http or https URL");
    assertThat(store.errors.get("e2"))
        .contains("must not carry credentials")
        .doesNotContain("secret");
  }

  @Test
  void aUrlThePolicyAcceptsButTheHttpClientCannotUseIsDeadLetteredNotThrown() {
    // The policy checks the scheme, host and length; the HTTP client still refuses a port out of
    // range.
    String outOfRange = "http://127.0.0.1:99999/events";
    assertThat(new OutboundUrlPolicy(false).violation(outOfRange)).isEmpty();
    store.add("e1", outOfRange, body("e1"));
    store.add("e2", receiver.url(), body("e2"));

    OutboxDrain drain = activities().deliverQueued(COMMUNITY);

    assertThat(drain).isEqualTo(new OutboxDrain(1, 1, 0, false));
    assertThat(store.states())
        .containsExactly(Map.entry("e1", "dead"), Map.entry("e2", "delivered"));
    assertThat(store.errors.get("e1")).contains("127.0.0.1:99999");
  }

  // ----------------------------------------------------------------------------------------------
  // retries

  @ParameterizedTest
  @ValueSource(ints = {408, 429, 500, 503})
  void aFailureThatMaySucceedLaterStopsTheRunWithABackoffThatDoublesUpToItsMaximum(int status) {
    store.add("e1", receiver.url(), body("e1"));
    store.add("e2", receiver.url(), body("e2"));
    receiver.answer("e1", status, status, status, status, status, status);
    EventOutboxActivitiesImpl activities = activities();

    List<Long> backoffs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      OutboxDrain drain = activities.deliverQueued(COMMUNITY);
      assertThat(drain.delivered()).isZero();
      assertThat(drain.deadLettered()).isZero();
      assertThat(drain.more()).isFalse();
      backoffs.add(drain.retryAfterSeconds());
    }

    assertThat(backoffs).as("max backoff %s", MAX_BACKOFF).containsExactly(1L, 2L, 4L, 8L, 8L, 8L);
    assertThat(receiver.ids())
        .as("the event behind the failing one waits")
        .containsOnly("e1")
        .hasSize(6);
    assertThat(store.states())
        .containsExactly(Map.entry("e1", "queued"), Map.entry("e2", "queued"));
    assertThat(store.attempts.get("e1")).isEqualTo(6);
    assertThat(store.errors.get("e1")).contains("the receiver answered " + status);

    // The receiver recovers: both go, in order.
    assertThat(activities.deliverQueued(COMMUNITY)).isEqualTo(new OutboxDrain(2, 0, 0, false));
    assertThat(receiver.ids().subList(6, 8)).containsExactly("e1", "e2");
  }

  @Test
  void aReceiverThatCannotBeReachedOrDoesNotAnswerInTimeIsRetried() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    store.add("e1", "http://127.0.0.1:" + closedPort + "/events", body("e1"));
    EventOutboxActivitiesImpl activities = activities("", Duration.ofSeconds(1));
    assertThat(activities.deliverQueued(COMMUNITY)).isEqualTo(new OutboxDrain(0, 0, 1, false));
    assertThat(store.errors.get("e1")).contains("could not be reached");

    MemoryStore slow = new MemoryStore();
    store = slow;
    slow.add("e2", receiver.url(), body("e2"));
    receiver.delay("e2", Duration.ofSeconds(5));
    assertThat(activities("", Duration.ofSeconds(1)).deliverQueued(COMMUNITY))
        .isEqualTo(new OutboxDrain(0, 0, 1, false));
    assertThat(slow.errors.get("e2"))
        .contains("did not answer in time (no complete answer within 1s)");
    assertThat(slow.states().get("e2")).isEqualTo("queued");
  }

  @Test
  void eachEventHasItsOwnGiveUpClock() {
    Instant longAgo = Instant.now().minus(GIVE_UP_AFTER).minus(Duration.ofHours(1));
    store.add(
        new QueuedEvent("old", COMMUNITY, PLUGIN, receiver.url(), body("old"), true, longAgo));
    store.add(
        new QueuedEvent(
            "recent", COMMUNITY, PLUGIN, receiver.url(), body("recent"), true, Instant.now()));
    store.add(
        new QueuedEvent(
            "behind", COMMUNITY, PLUGIN, receiver.url(), body("behind"), true, longAgo));
    receiver.answer("old", 503);
    receiver.answer("recent", 503);

    OutboxDrain drain = activities().deliverQueued(COMMUNITY);

    // The old event is given up after one failed attempt; the recent one is still tried, fails, and
    // stops the
    // run, though the one behind it is older still.
    assertThat(drain).isEqualTo(new OutboxDrain(0, 1, 1, false));
    assertThat(receiver.ids()).containsExactly("old", "recent");
    assertThat(store.states())
        .containsExactly(
            Map.entry("old", "dead"), Map.entry("recent", "queued"), Map.entry("behind", "queued"));
    assertThat(store.attempts.get("old")).isEqualTo(1);
    assertThat(store.errors.get("old")).contains("the receiver answered 503").contains("gave up");
  }

  // ----------------------------------------------------------------------------------------------
  // headers

  @Test
  void standardWebhooksHeadersCarryTheEventIdAndAVerifiableSignature() throws Exception {
    store.add("evt_0123", receiver.url(), body("evt_0123"));
    long before = Instant.now().getEpochSecond();

    activities(SECRET, Duration.ofSeconds(15)).deliverQueued(COMMUNITY);

    Request request = receiver.requests.get(0);
    assertThat(request.headers().get("webhook-id")).isEqualTo("evt_0123");
    long timestamp = Long.parseLong(request.headers().get("webhook-timestamp"));
    assertThat(timestamp).isBetween(before - 1, Instant.now().getEpochSecond() + 1);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET_BYTES.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String expected =
        "v1,"
            + Base64.getEncoder()
                .encodeToString(
                    mac.doFinal(
                        ("evt_0123." + timestamp + "." + request.body())
                            .getBytes(StandardCharsets.UTF_8)));
    assertThat(request.headers().get("webhook-signature")).isEqualTo(expected);
  }

  @Test
  void withoutASigningSecretNoSignatureIsSent() {
    store.add("e1", receiver.url(), body("e1"));

    activities().deliverQueued(COMMUNITY);

    Request request = receiver.requests.get(0);
    assertThat(request.headers().get("webhook-id")).isEqualTo("e1");
    assertThat(request.headers())
        .containsKey("webhook-timestamp")
        .doesNotContainKey("webhook-signature");
  }

  @Test
  void aRetriedEventKeepsItsWebhookId() {
    store.add("e1", receiver.url(), body("e1"));
    receiver.answer("e1", 503);
    EventOutboxActivitiesImpl activities = activities();

    activities.deliverQueued(COMMUNITY);
    activities.deliverQueued(COMMUNITY);

    assertThat(receiver.requests)
        .extracting(r -> r.headers().get("webhook-id"))
        .containsExactly("e1", "e1");
    assertThat(receiver.requests.get(0).body()).isEqualTo(receiver.requests.get(1).body());
  }

  // ----------------------------------------------------------------------------------------------
  // enrichment

  @Test
  void anEventNotYetCompletedIsCompletedOnceByItsPluginThenSent() {
    store.add(hint("h1", "thing_changed", 7));
    receiver.answer("h1", 503);
    plugin.enrich =
        event ->
            new WebhookHandler.PlatformEvent(
                "thing_updated",
                Json.parse(
                    "{\"id\":"
                        + event.data().path("id").asInt()
                        + ",\"title\":\"read from the platform\"}"),
                event.initiatorUserId());
    EventOutboxActivitiesImpl activities = activities();

    assertThat(activities.deliverQueued(COMMUNITY).retryAfterSeconds()).isEqualTo(1);
    assertThat(activities.deliverQueued(COMMUNITY)).isEqualTo(new OutboxDrain(1, 0, 0, false));

    assertThat(plugin.calls).as("completed once, though sent twice").hasValue(1);
    assertThat(receiver.ids()).containsExactly("h1", "h1");
    JsonNode sent = Json.parse(receiver.requests.get(1).body());
    assertThat(sent.path("community").asString()).isEqualTo(COMMUNITY);
    assertThat(sent.path("source").asString()).isEqualTo(PLUGIN);
    assertThat(sent.path("event_type").asString()).isEqualTo("thing_updated");
    assertThat(sent.path("timestamp").asString()).isEqualTo("1700000000.000000");
    assertThat(sent.path("data").path("title").asString()).isEqualTo("read from the platform");
    assertThat(sent.path("initiator").path("user_id").asString()).isEqualTo("u9");
    assertThat(sent.path("initiator").path("provider").asString()).isEqualTo(PLUGIN);
    assertThat(receiver.requests.get(0).body())
        .as("the completed body is stored and sent again")
        .isEqualTo(receiver.requests.get(1).body());
  }

  @Test
  void anEventThePluginDropsIsDiscardedAndTheNextIsSent() {
    store.add(hint("h1", "noise", 1));
    store.add("e2", receiver.url(), body("e2"));
    plugin.enrich = event -> null;

    OutboxDrain drain = activities().deliverQueued(COMMUNITY);

    assertThat(drain).isEqualTo(new OutboxDrain(1, 0, 0, false));
    assertThat(receiver.ids()).containsExactly("e2");
    assertThat(store.states())
        .containsExactly(Map.entry("h1", "discarded"), Map.entry("e2", "delivered"));
  }

  @Test
  void aPlatformRefusalWhileCompletingDeadLettersTheEventAndTheNextIsSent() {
    store.add(hint("h1", "thing_changed", 1));
    store.add("e2", receiver.url(), body("e2"));
    plugin.enrich =
        event -> {
          throw new PlatformException(
              PlatformException.Kind.REJECTED, PLUGIN, 404, "no such thing");
        };

    OutboxDrain drain = activities().deliverQueued(COMMUNITY);

    assertThat(drain).isEqualTo(new OutboxDrain(1, 1, 0, false));
    assertThat(receiver.ids()).containsExactly("e2");
    assertThat(store.states())
        .containsExactly(Map.entry("h1", "dead"), Map.entry("e2", "delivered"));
    assertThat(store.errors.get("h1")).contains("no such thing");
  }

  @Test
  void aPlatformThatCannotBeReadWhileCompletingIsRetriedWithTheEventsBackoff() {
    store.add(hint("h1", "thing_changed", 1));
    store.add("e2", receiver.url(), body("e2"));
    plugin.enrich =
        event -> {
          throw new PlatformException(
              PlatformException.Kind.UNREACHABLE, PLUGIN, 0, "connection refused");
        };
    EventOutboxActivitiesImpl activities = activities();

    assertThat(activities.deliverQueued(COMMUNITY)).isEqualTo(new OutboxDrain(0, 0, 1, false));
    assertThat(activities.deliverQueued(COMMUNITY)).isEqualTo(new OutboxDrain(0, 0, 2, false));

    assertThat(receiver.requests).isEmpty();
    assertThat(store.states())
        .containsExactly(Map.entry("h1", "queued"), Map.entry("e2", "queued"));
    assertThat(store.attempts.get("h1")).isEqualTo(2);
  }

  @Test
  void aPluginThatFailsUnexpectedlyWhileCompletingCountsAsAFailedAttemptAndGivesUpInTime() {
    Instant longAgo = Instant.now().minus(GIVE_UP_AFTER).minus(Duration.ofHours(1));
    QueuedEvent recent = hint("h1", "thing_changed", 1);
    QueuedEvent old =
        new QueuedEvent(
            "h0", recent.community(), recent.plugin(), recent.url(), recent.body(), false, longAgo);
    store.add(old);
    store.add(recent);
    store.add("e2", receiver.url(), body("e2"));
    plugin.enrich =
        event -> {
          throw new IllegalStateException("a bug in the plugin");
        };
    EventOutboxActivitiesImpl activities = activities();

    // The old one is given up after its failed attempt; the recent one stops the run with a
    // backoff.
    assertThat(activities.deliverQueued(COMMUNITY)).isEqualTo(new OutboxDrain(0, 1, 1, false));
    assertThat(store.states())
        .containsExactly(
            Map.entry("h0", "dead"), Map.entry("h1", "queued"), Map.entry("e2", "queued"));
    assertThat(store.errors.get("h0")).contains("a bug in the plugin").contains("gave up");
    assertThat(store.attempts.get("h1")).isEqualTo(1);

    plugin.enrich = event -> event; // the plugin is fixed
    assertThat(activities.deliverQueued(COMMUNITY)).isEqualTo(new OutboxDrain(2, 0, 0, false));
    assertThat(receiver.ids()).containsExactly("h1", "e2");
  }

  @Test
  void anEventWhosePluginIsNoLongerEnabledIsDeadLettered() {
    store.add(hint("h1", "thing_changed", 1));
    store.add("e2", receiver.url(), body("e2"));
    pluginEnabled = false;

    OutboxDrain drain = activities().deliverQueued(COMMUNITY);

    assertThat(drain).isEqualTo(new OutboxDrain(1, 1, 0, false));
    assertThat(store.states())
        .containsExactly(Map.entry("h1", "dead"), Map.entry("e2", "delivered"));
    assertThat(store.errors.get("h1")).contains("no longer enabled");
    assertThat(plugin.calls).hasValue(0);
  }

  // ----------------------------------------------------------------------------------------------
  // fakes

  static String body(String id) {
    return "{\"community\":\"c1\",\"source\":\""
        + PLUGIN
        + "\",\"event_type\":\"post_created\","
        + "\"timestamp\":\"1700000000.000000\",\"data\":{\"id\":\""
        + id
        + "\"}}";
  }

  /** A stored event its plugin has yet to complete: only the platform's hint. */
  QueuedEvent hint(String id, String type, int thing) {
    String stored =
        "{\"community\":\"c1\",\"source\":\""
            + PLUGIN
            + "\",\"event_type\":\""
            + type
            + "\","
            + "\"timestamp\":\"1700000000.000000\",\"data\":{\"id\":"
            + thing
            + "},"
            + "\"initiator\":{\"user_id\":\"u9\",\"provider\":\""
            + PLUGIN
            + "\"}}";
    return new QueuedEvent(id, COMMUNITY, PLUGIN, receiver.url(), stored, false, Instant.now());
  }

  record Request(String path, Map<String, String> headers, String body) {}

  /**
   * A loopback HTTP receiver: 200 unless a test scripted other answers (or a delay) for an event
   * id.
   */
  static final class Receiver implements AutoCloseable {
    final HttpServer server;
    final ExecutorService executor = Executors.newCachedThreadPool();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    final Map<String, Deque<Integer>> answers = new ConcurrentHashMap<>();
    final Map<String, Duration> delays = new ConcurrentHashMap<>();

    Receiver() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.setExecutor(executor);
      server.createContext(
          "/events",
          exchange -> {
            Map<String, String> headers = new HashMap<>();
            exchange
                .getRequestHeaders()
                .forEach((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
            String body =
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String id = headers.get("webhook-id");
            requests.add(new Request(exchange.getRequestURI().getPath(), headers, body));
            Duration delay = id == null ? null : delays.get(id);
            if (delay != null) {
              try {
                Thread.sleep(delay.toMillis());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            Deque<Integer> scripted = id == null ? null : answers.get(id);
            Integer status = scripted == null ? null : scripted.poll();
            exchange.sendResponseHeaders(status == null ? 200 : status, -1);
            exchange.close();
          });
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }

    String url() {
      return "http://127.0.0.1:" + port() + "/events";
    }

    /** The next answers for the event, in order; 200 after them. */
    void answer(String id, int... statuses) {
      Deque<Integer> queue =
          answers.computeIfAbsent(id, k -> new java.util.concurrent.ConcurrentLinkedDeque<>());
      for (int status : statuses) {
        queue.add(status);
      }
    }

    void delay(String id, Duration delay) {
      delays.put(id, delay);
    }

    List<String> ids() {
      return requests.stream().map(r -> r.headers().get("webhook-id")).toList();
    }

    @Override
    public void close() {
      server.stop(0);
      executor.shutdownNow();
    }
  }

  /** The outbox tables in memory, recording the order of operations. */
  static final class MemoryStore implements EventOutboxStore {
    final Map<String, QueuedEvent> events = new LinkedHashMap<>();
    final Map<String, String> state = new LinkedHashMap<>();
    final Map<String, Integer> attempts = new HashMap<>();
    final Map<String, String> errors = new HashMap<>();
    final List<String> operations = new ArrayList<>();
    final List<Boolean> wakeWhenRead = new ArrayList<>();
    boolean wake;

    void add(String id, String url, String body) {
      add(new QueuedEvent(id, COMMUNITY, PLUGIN, url, body, true, Instant.now()));
    }

    void add(QueuedEvent event) {
      events.put(event.id(), event);
      state.put(event.id(), "queued");
    }

    Map<String, String> states() {
      return state;
    }

    @Override
    public synchronized void clearWake(String community) {
      operations.add("clearWake " + community);
      wake = false;
    }

    @Override
    public synchronized List<QueuedEvent> queued(String community, int limit) {
      operations.add("queued " + community);
      wakeWhenRead.add(wake);
      return events.values().stream()
          .filter(e -> e.community().equals(community) && state.get(e.id()).equals("queued"))
          .limit(limit)
          .toList();
    }

    @Override
    public synchronized void saveEnriched(String id, String body) {
      operations.add("saveEnriched " + id);
      QueuedEvent e = events.get(id);
      events.put(
          id, new QueuedEvent(id, e.community(), e.plugin(), e.url(), body, true, e.queuedAt()));
    }

    @Override
    public synchronized void delivered(String id) {
      operations.add("delivered " + id);
      transition(id, "delivered");
    }

    @Override
    public synchronized int failedAttempt(String id, String error) {
      operations.add("failedAttempt " + id);
      errors.put(id, error);
      return attempts.merge(id, 1, Integer::sum);
    }

    @Override
    public synchronized void deadLetter(String id, String error) {
      operations.add("deadLetter " + id);
      errors.put(id, error);
      transition(id, "dead");
    }

    @Override
    public synchronized void discard(String id, String reason) {
      operations.add("discard " + id);
      transition(id, "discarded");
    }

    private void transition(String id, String to) {
      assertThat(state.get(id)).as("state of %s before it becomes %s", id, to).isEqualTo("queued");
      state.put(id, to);
    }
  }

  /** A plugin whose webhooks are hints, completed by {@link #enrich}. */
  static final class EnrichingPlugin implements Plugin {
    UnaryOperator<WebhookHandler.PlatformEvent> enrich = event -> event;
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public String name() {
      return PLUGIN;
    }

    @Override
    public String description() {
      return "a plugin whose webhooks are only hints";
    }

    @Override
    public JsonNode configSchema() {
      return Json.object();
    }

    @Override
    public List<ActionSpec> actions() {
      return List.of();
    }

    @Override
    public WebhookHandler webhookHandler() {
      return new WebhookHandler() {
        @Override
        public void verify(WebhookRequest request) {
          throw new UnsupportedOperationException();
        }

        @Override
        public ParsedWebhook parse(WebhookRequest request) {
          throw new UnsupportedOperationException();
        }

        @Override
        public PlatformEvent enrich(PluginContext context, PlatformEvent event) {
          assertThat(context.community()).isEqualTo(COMMUNITY);
          calls.incrementAndGet();
          return enrich.apply(event);
        }
      };
    }
  }
}
