package org.metagov.activities.http;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A JDK HTTP server on 127.0.0.1 for outbound HTTP tests, with handlers for the answers a hostile
 * or broken server gives: one that never ends, one that drips. Every handler records that a request
 * arrived.
 */
public final class LoopbackHttpServer implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final AtomicInteger requests = new AtomicInteger();

  public LoopbackHttpServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.start();
  }

  /** Answers requests under the path with the handler. */
  public LoopbackHttpServer on(String path, HttpHandler handler) {
    server.createContext(
        path,
        exchange -> {
          requests.incrementAndGet();
          exchange.getRequestBody().readAllBytes();
          handler.handle(exchange);
        });
    return this;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://127.0.0.1:port/path}. */
  public String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  /** How many requests reached a handler. */
  public int requests() {
    return requests.get();
  }

  /** A fixed answer. */
  public static HttpHandler answer(int status, String contentType, String body) {
    return exchange -> {
      byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      if (contentType != null) {
        exchange.getResponseHeaders().set("Content-Type", contentType);
      }
      exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    };
  }

  /**
   * Announces a body of {@code size} bytes and streams it until done or until the client goes away,
   * counting what it managed to hand to the socket in {@code sent}; {@code ended} counts down when
   * it stops either way.
   */
  public static HttpHandler streaming(
      int status, long size, AtomicLong sent, CountDownLatch ended) {
    return exchange -> {
      byte[] chunk = new byte[64 * 1024];
      java.util.Arrays.fill(chunk, (byte) 'x');
      try {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, size);
        OutputStream out = exchange.getResponseBody();
        for (long left = size; left > 0; ) {
          int n = (int) Math.min(chunk.length, left);
          out.write(chunk, 0, n);
          sent.addAndGet(n);
          left -= n;
        }
        out.close();
      } catch (IOException clientWentAway) {
        // What the test expects of a client that stops reading at its cap.
      } finally {
        exchange.close();
        ended.countDown();
      }
    };
  }

  /**
   * Sends the status and headers at once, then a body of {@code bytes} bytes one byte at a time,
   * {@code every} apart; {@code ended} counts down when it stops, at the end or when the client
   * went away.
   */
  public static HttpHandler dripping(int status, int bytes, Duration every, CountDownLatch ended) {
    return exchange -> {
      try {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes);
        OutputStream out = exchange.getResponseBody();
        for (int i = 0; i < bytes; i++) {
          out.write(' ');
          out.flush();
          Thread.sleep(every.toMillis());
        }
        out.close();
      } catch (IOException clientWentAway) {
        // The client gave up at its deadline.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        exchange.close();
        ended.countDown();
      }
    };
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
