package org.metagov.activities.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.metagov.activities.http.LoopbackHttpServer.dripping;
import static org.metagov.activities.http.LoopbackHttpServer.streaming;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.metagov.activities.delivery.DriverSender.Outcome;
import org.metagov.activities.delivery.DriverSender.Verdict;
import org.metagov.activities.http.LoopbackHttpServer;
import org.metagov.activities.http.LoopbackSocketServer;

/**
 * Sending to a Driver on 127.0.0.1: only the status decides, within one deadline, at an address the
 * policy judged.
 */
class DriverSenderTest {

  static final String BODY = "{\"event_type\": \"post_created\"}";

  @Test
  void permanentRefusalsAreTheFourHundredsOtherThanTimeoutAndTooManyRequests() {
    assertThat(DriverSender.permanentRefusal(400)).isTrue();
    assertThat(DriverSender.permanentRefusal(404)).isTrue();
    assertThat(DriverSender.permanentRefusal(410)).isTrue();
    assertThat(DriverSender.permanentRefusal(499)).isTrue();
    assertThat(DriverSender.permanentRefusal(408)).isFalse();
    assertThat(DriverSender.permanentRefusal(429)).isFalse();
    assertThat(DriverSender.permanentRefusal(500)).isFalse();
    assertThat(DriverSender.permanentRefusal(503)).isFalse();
    assertThat(DriverSender.permanentRefusal(302)).isFalse();
  }

  @Test
  void aReceiverNameThatRebindsToLoopbackIsRefusedForGoodWithoutAConnection() throws Exception {
    List<String> lookups = new CopyOnWriteArrayList<>();
    OutboundUrlPolicy policy =
        new OutboundUrlPolicy(
            true,
            host -> {
              lookups.add(host);
              return new InetAddress[] {
                InetAddress.getByName(lookups.size() == 1 ? "93.184.216.34" : "127.0.0.1")
              };
            });
    try (LoopbackSocketServer local = LoopbackSocketServer.hangingUp()) {
      String url = "http://driver.test:" + local.port() + "/events?token=s3cret";
      assertThat(policy.violation(url)).as("accepted when configured").isEmpty();

      Outcome outcome =
          new DriverSender(policy, "", Duration.ofSeconds(5), Duration.ofSeconds(10))
              .send("e1", url, BODY);

      assertThat(outcome.verdict()).isEqualTo(Verdict.REFUSED);
      assertThat(outcome.error())
          .isEqualTo(
              "the URL points to an internal address (loopback (127.0.0.0/8)), which this deployment does not allow");
      assertThat(lookups)
          .as("one lookup when accepted, exactly one for the attempt")
          .containsExactly("driver.test", "driver.test");
      local.assertNoConnectionBeforeNow();
    }
  }

  @Test
  @Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aReceiverThatDripsItsStatusLineIsRetriedAfterTheDeadline() throws Exception {
    try (LoopbackSocketServer slow = LoopbackSocketServer.drippingHeaders(Duration.ofMillis(200))) {
      long started = System.nanoTime();
      Outcome outcome =
          new DriverSender(
                  new OutboundUrlPolicy(false), "", Duration.ofSeconds(5), Duration.ofMillis(1500))
              .send("e1", "http://127.0.0.1:" + slow.port() + "/events", BODY);

      assertThat(outcome)
          .isEqualTo(
              new Outcome(
                  Verdict.RETRY,
                  "the receiver did not answer in time (no complete answer within 1500ms)"));
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
    }
  }

  @Test
  @Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void a2xxIsDeliveredThoughItsBodyDripsOrNeverEnds() throws Exception {
    CountDownLatch ended = new CountDownLatch(2);
    AtomicLong sent = new AtomicLong();
    try (LoopbackHttpServer driver =
        new LoopbackHttpServer()
            .on("/drip", dripping(200, 150, Duration.ofMillis(200), ended))
            .on("/huge", streaming(202, 50L * 1024 * 1024, sent, ended))) {
      DriverSender sender =
          new DriverSender(
              new OutboundUrlPolicy(false), "", Duration.ofSeconds(5), Duration.ofMillis(1500));
      long started = System.nanoTime();

      assertThat(sender.send("e1", driver.url("/drip"), BODY))
          .isEqualTo(new Outcome(Verdict.DELIVERED, null));
      assertThat(sender.send("e2", driver.url("/huge"), BODY))
          .isEqualTo(new Outcome(Verdict.DELIVERED, null));

      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
      assertThat(ended.await(60, TimeUnit.SECONDS)).as("both answers were cut off").isTrue();
      assertThat(sent.get()).isLessThan(25L * 1024 * 1024);
    }
  }
}
