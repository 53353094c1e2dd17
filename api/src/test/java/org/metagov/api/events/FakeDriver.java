package org.metagov.api.events;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.ToIntFunction;

/**
 * A Driver's event receiver on loopback: it answers each POST with the status its current policy
 * gives the request (204 by default) and records every request in arrival order. Small and fast, so
 * a test can push ten thousand events through it.
 */
final class FakeDriver implements AutoCloseable {

  /** One request as received, with the status it was answered. */
  record Received(String webhookId, String body, int status, String community) {
    boolean accepted() {
      return status >= 200 && status < 300;
    }
  }

  private final HttpServer server;
  private final List<Received> received = new ArrayList<>();
  private volatile ToIntFunction<String> policy = body -> 204;

  FakeDriver() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext(
        "/events",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          int status = policy.applyAsInt(body);
          // Recorded before answering, so a test that saw the answer's effect also sees the
          // request.
          synchronized (received) {
            received.add(
                new Received(
                    exchange.getRequestHeaders().getFirst("webhook-id"),
                    body,
                    status,
                    community(body)));
          }
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    server.start();
  }

  private static String community(String body) {
    try {
      return org.metagov.activities.json.Json.parse(body).path("community").asString(null);
    } catch (RuntimeException e) {
      return null;
    }
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/events";
  }

  /** How the Driver answers from now on, by request body. */
  void answer(ToIntFunction<String> policy) {
    this.policy = policy;
  }

  void reset() {
    policy = body -> 204;
    synchronized (received) {
      received.clear();
    }
  }

  /** Every request about one community's events, in arrival order. */
  List<Received> received(String community) {
    synchronized (received) {
      return received.stream().filter(request -> community.equals(request.community())).toList();
    }
  }

  /**
   * The webhook-ids of the events of one community the Driver accepted, in the order it accepted
   * them (other tests' communities may still be delivering).
   */
  List<String> acceptedIds(String community) {
    List<String> ids = new ArrayList<>();
    for (Received request : received(community)) {
      if (request.accepted()) {
        ids.add(request.webhookId());
      }
    }
    return ids;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
