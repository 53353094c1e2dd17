package org.metagov.activities.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.metagov.activities.http.LoopbackHttpServer.answer;
import static org.metagov.activities.http.LoopbackHttpServer.dripping;
import static org.metagov.activities.http.LoopbackHttpServer.streaming;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.metagov.activities.delivery.OutboundUrlPolicy;
import org.metagov.activities.http.OutboundHttp.Answer;
import org.metagov.activities.http.OutboundHttp.Failure;
import org.metagov.activities.http.OutboundHttp.Reason;

/**
 * The shared outbound client against servers on 127.0.0.1 only. Host names are made up and known
 * only to the policy's resolver hook, so reaching a server through one proves the connection used
 * the address the hook gave; nothing is ever looked up in real DNS or sent beyond loopback.
 */
class OutboundHttpTest {

  static final long MB = 1024 * 1024;

  /** Far beyond every deadline below, so that a call ending before it ended at its deadline. */
  static final Duration LONG_BEFORE_THE_DRIP_ENDS = Duration.ofSeconds(15);

  final List<String> lookups = new CopyOnWriteArrayList<>();

  /**
   * A resolver hook that records each lookup and answers the n-th (from 1) with the given address.
   */
  OutboundUrlPolicy.Resolver dns(IntFunction<String> answer) {
    return host -> {
      lookups.add(host);
      if (!host.endsWith(".test")) {
        throw new UnknownHostException(host);
      }
      return new InetAddress[] {InetAddress.getByName(answer.apply(lookups.size()))};
    };
  }

  static OutboundHttp.Limits limits(Duration deadline, long maxAnswerBytes) {
    return new OutboundHttp.Limits(Duration.ofSeconds(5), deadline, maxAnswerBytes);
  }

  static OutboundHttp.Request get(String url) {
    return new OutboundHttp.Request("GET", URI.create(url), Map.of(), null);
  }

  static Failure failure(OutboundHttp http, String url) {
    Failure failure = catchThrowableOfType(Failure.class, () -> http.exchange(get(url)));
    assertThat(failure).as("a failure for %s", url).isNotNull();
    return failure;
  }

  // ------------------------------------------------------------------------------------ the
  // address checked

  @Test
  void aNameIsLookedUpOnceThroughThePolicyAndTheAddressItGaveIsTheOneConnectedTo()
      throws Exception {
    try (LoopbackHttpServer server =
            new LoopbackHttpServer().on("/x", answer(200, "application/json", "{\"ok\": true}"));
        OutboundHttp http =
            new OutboundHttp(
                new OutboundUrlPolicy(false, dns(n -> "127.0.0.1")),
                limits(Duration.ofSeconds(10), MB))) {
      Answer answer = http.exchange(get("http://platform.test:" + server.port() + "/x"));

      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.text()).isEqualTo("{\"ok\": true}");
      assertThat(answer.complete()).isTrue();
      assertThat(server.requests()).isEqualTo(1);
    }
    assertThat(lookups).as("one lookup, by the policy's resolver").containsExactly("platform.test");
  }

  @Test
  void
      aNameThatResolvesToLoopbackWhenConnectingIsRefusedWithoutAConnectionThoughItWasPublicWhenAccepted()
          throws Exception {
    try (LoopbackSocketServer local = LoopbackSocketServer.hangingUp()) {
      String url = "http://rebind.test:" + local.port() + "/callback";
      // The first answer is public, every later one loopback: DNS rebinding.
      OutboundUrlPolicy policy =
          new OutboundUrlPolicy(true, dns(n -> n == 1 ? "93.184.216.34" : "127.0.0.1"));
      assertThat(policy.violation(url))
          .as("accepted when registered, as the API does; nothing connects then")
          .isEmpty();

      Failure failure;
      try (OutboundHttp http = new OutboundHttp(policy, limits(Duration.ofSeconds(10), MB))) {
        failure = failure(http, url);
      }

      assertThat(failure.reason()).isEqualTo(Reason.REFUSED);
      assertThat(failure.getMessage()).contains("loopback (127.0.0.0/8)");
      assertThat(lookups)
          .as("one lookup when accepted, and exactly one for the request: the one judged")
          .containsExactly("rebind.test", "rebind.test");
      local.assertNoConnectionBeforeNow();
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.0.0.1:%d/x",
        "http://[::1]:%d/x",
        "http://[::ffff:127.0.0.1]:%d/x",
        "http://localhost:%d/x"
      })
  void withTheDenyListOnALoopbackLiteralOrLocalhostIsRefusedWithoutALookupOrAConnection(
      String template) throws Exception {
    try (LoopbackSocketServer local = LoopbackSocketServer.hangingUp();
        OutboundHttp http =
            new OutboundHttp(
                new OutboundUrlPolicy(true, dns(n -> "127.0.0.1")),
                limits(Duration.ofSeconds(10), MB))) {
      Failure failure = failure(http, template.formatted(local.port()));

      assertThat(failure.reason()).isEqualTo(Reason.REFUSED);
      assertThat(failure.getMessage()).contains("loopback");
      assertThat(lookups).isEmpty();
      local.assertNoConnectionBeforeNow();
    }
  }

  // ------------------------------------------------------------------------------------ the size
  // cap

  @Test
  @Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void anAnswerLargerThanTheCapIsCutAtTheCapAndTheRestIsNeverRead() throws Exception {
    AtomicLong sent = new AtomicLong();
    CountDownLatch ended = new CountDownLatch(1);
    try (LoopbackHttpServer server =
            new LoopbackHttpServer().on("/big", streaming(200, 50 * MB, sent, ended));
        OutboundHttp http =
            new OutboundHttp(new OutboundUrlPolicy(false), limits(Duration.ofSeconds(60), MB))) {
      Answer answer = http.exchange(get(server.url("/big")));

      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.complete()).isFalse();
      assertThat(answer.body()).hasSize((int) MB);
      assertThat(ended.await(60, TimeUnit.SECONDS))
          .as("the server stopped: the client hung up")
          .isTrue();
      // What the server managed to write is the cap plus what the loopback socket buffers hold, far
      // from 50 MB.
      assertThat(sent.get()).isLessThan(25 * MB);
    }
  }

  @Test
  void anAnswerOfExactlyTheCapIsComplete() throws Exception {
    AtomicLong sent = new AtomicLong();
    try (LoopbackHttpServer server =
            new LoopbackHttpServer().on("/exact", streaming(200, MB, sent, new CountDownLatch(1)));
        OutboundHttp http =
            new OutboundHttp(new OutboundUrlPolicy(false), limits(Duration.ofSeconds(60), MB))) {
      Answer answer = http.exchange(get(server.url("/exact")));

      assertThat(answer.complete()).isTrue();
      assertThat(answer.body()).hasSize((int) MB);
    }
  }

  // ------------------------------------------------------------------------------------ one
  // deadline

  @Test
  @Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aBodyDrippedOneByteAt200msEndsAtTheDeadlineNotWhenTheDripEnds() throws Exception {
    CountDownLatch ended = new CountDownLatch(1);
    // 150 bytes at 200 ms: 30 s of dripping, each byte well within any socket timeout.
    try (LoopbackHttpServer server =
            new LoopbackHttpServer()
                .on("/drip", dripping(200, 150, Duration.ofMillis(200), ended));
        OutboundHttp http =
            new OutboundHttp(new OutboundUrlPolicy(false), limits(Duration.ofMillis(1500), MB))) {
      long started = System.nanoTime();
      Failure failure = failure(http, server.url("/drip"));
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      assertThat(failure.reason()).isEqualTo(Reason.TIMEOUT);
      assertThat(failure.getMessage()).isEqualTo("no complete answer within 1500ms");
      assertThat(took)
          .isGreaterThanOrEqualTo(Duration.ofMillis(1400))
          .isLessThan(LONG_BEFORE_THE_DRIP_ENDS);
      assertThat(ended.await(60, TimeUnit.SECONDS))
          .as("the server noticed the client hang up")
          .isTrue();
    }
  }

  @Test
  @Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aStatusLineDrippedOneByteAt200msEndsAtTheDeadline() throws Exception {
    try (LoopbackSocketServer server =
            LoopbackSocketServer.drippingHeaders(Duration.ofMillis(200));
        OutboundHttp http =
            new OutboundHttp(new OutboundUrlPolicy(false), limits(Duration.ofMillis(1500), MB))) {
      long started = System.nanoTime();
      Failure failure = failure(http, "http://127.0.0.1:" + server.port() + "/x");
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      assertThat(failure.reason()).isEqualTo(Reason.TIMEOUT);
      assertThat(took)
          .isGreaterThanOrEqualTo(Duration.ofMillis(1400))
          .isLessThan(LONG_BEFORE_THE_DRIP_ENDS);
    }
  }

  @Test
  @Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void whenOnlyTheStatusMattersASlowOrHugeBodyIsDroppedAndTheStatusKept() throws Exception {
    CountDownLatch ended = new CountDownLatch(2);
    try (LoopbackHttpServer server =
            new LoopbackHttpServer()
                .on("/drip", dripping(202, 150, Duration.ofMillis(200), ended))
                .on("/big", streaming(200, 50 * MB, new AtomicLong(), ended));
        OutboundHttp http =
            new OutboundHttp(
                new OutboundUrlPolicy(false), limits(Duration.ofMillis(1500), 64 * 1024))) {
      long started = System.nanoTime();
      assertThat(http.statusOf(get(server.url("/drip")))).isEqualTo(202);
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isLessThan(LONG_BEFORE_THE_DRIP_ENDS);
      assertThat(http.statusOf(get(server.url("/big")))).isEqualTo(200);
      assertThat(ended.await(60, TimeUnit.SECONDS)).isTrue();
    }
  }

  // ------------------------------------------------------------------------------------ everything
  // else

  @Test
  void redirectsAreReturnedNotFollowed() throws Exception {
    try (LoopbackHttpServer server =
            new LoopbackHttpServer()
                .on(
                    "/moved",
                    exchange -> {
                      exchange.getResponseHeaders().set("Location", "/elsewhere");
                      exchange.sendResponseHeaders(302, -1);
                      exchange.close();
                    })
                .on("/elsewhere", answer(200, "application/json", "{}"));
        OutboundHttp http =
            new OutboundHttp(new OutboundUrlPolicy(false), limits(Duration.ofSeconds(10), MB))) {
      Answer answer = http.exchange(get(server.url("/moved")));

      assertThat(answer.status()).isEqualTo(302);
      assertThat(answer.location()).isEqualTo("/elsewhere");
      assertThat(server.requests()).isEqualTo(1);
    }
  }

  @Test
  void eachWayACallCanFailHasItsReason() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    try (OutboundHttp http =
        new OutboundHttp(
            new OutboundUrlPolicy(false, dns(n -> "127.0.0.1")),
            limits(Duration.ofSeconds(10), MB))) {
      assertThat(failure(http, "http://127.0.0.1:" + closedPort + "/x").reason())
          .isEqualTo(Reason.CONNECTION_REFUSED);
      assertThat(failure(http, "http://nowhere.invalid/x").reason()).isEqualTo(Reason.UNRESOLVED);
      Failure outOfRange = failure(http, "http://127.0.0.1:99999/x");
      assertThat(outOfRange.reason()).isEqualTo(Reason.UNUSABLE_URL);
      Failure ftp = failure(http, "ftp://127.0.0.1/x");
      assertThat(ftp.reason()).isEqualTo(Reason.REFUSED);
      assertThat(ftp.getMessage()).isEqualTo("must be an absolute http or https URL");
      Failure credentials = failure(http, "http://user:s3cret@127.0.0.1:" + closedPort + "/x");
      assertThat(credentials.getMessage()).isEqualTo("must not carry credentials");
    }
    assertThat(lookups).containsExactly("nowhere.invalid");
  }

  @Test
  void describeLeavesOutTheQueryAndCredentials() {
    assertThat(OutboundHttp.describe("https://driver.example.org:8443/events?token=s3cret"))
        .isEqualTo("https://driver.example.org:8443/events");
    assertThat(OutboundHttp.describe("http://user:s3cret@driver.example.org/events"))
        .isEqualTo("http://driver.example.org/events");
    assertThat(OutboundHttp.describe("http://user:s3cret@driver_x.example.org/events"))
        .as("an authority Java cannot parse as a server")
        .doesNotContain("s3cret");
    assertThat(OutboundHttp.describe("not a url")).isEqualTo("an invalid URL");
  }

  @Test
  void limitsMustBePositive() {
    assertThat(
            catchThrowableOfType(
                IllegalArgumentException.class,
                () -> new OutboundHttp.Limits(Duration.ofSeconds(5), Duration.ZERO, MB)))
        .hasMessageContaining("request timeout");
    assertThat(
            catchThrowableOfType(
                IllegalArgumentException.class,
                () -> new OutboundHttp.Limits(Duration.ofSeconds(5), Duration.ofSeconds(5), 0)))
        .hasMessageContaining("largest answer");
  }
}
