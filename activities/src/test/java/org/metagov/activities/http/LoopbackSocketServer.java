package org.metagov.activities.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A bare TCP server on 127.0.0.1 that records every connection made to it (by the client's port),
 * and answers each with a script working on the raw socket, for what an HTTP server library will
 * not do (drip its status line) and for proving that no connection was made at all.
 */
public final class LoopbackSocketServer implements AutoCloseable {

  /** What the server does with one connection. */
  @FunctionalInterface
  public interface Script {
    void run(Socket socket) throws IOException, InterruptedException;
  }

  private final ServerSocket server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Integer> clientPorts = new CopyOnWriteArrayList<>();

  public LoopbackSocketServer(Script script) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    executor.execute(
        () -> {
          while (!server.isClosed()) {
            Socket socket;
            try {
              socket = server.accept();
            } catch (IOException closed) {
              return;
            }
            clientPorts.add(socket.getPort());
            executor.execute(
                () -> {
                  try (socket) {
                    script.run(socket);
                  } catch (IOException | InterruptedException ignored) {
                    // The client went away, or the test ended.
                  }
                });
          }
        });
  }

  /** Closes each connection at once. */
  public static LoopbackSocketServer hangingUp() throws IOException {
    return new LoopbackSocketServer(socket -> {});
  }

  /**
   * Reads the request's head, then sends a status line and headers one byte every {@code every},
   * never reaching the body (for half an hour at 200 ms a byte).
   */
  public static LoopbackSocketServer drippingHeaders(Duration every) throws IOException {
    return new LoopbackSocketServer(
        socket -> {
          readHead(socket.getInputStream());
          OutputStream out = socket.getOutputStream();
          byte[] head =
              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: "
                  .getBytes(StandardCharsets.US_ASCII);
          for (int i = 0; i < 10_000; i++) {
            out.write(i < head.length ? head[i] : 'x');
            out.flush();
            Thread.sleep(every.toMillis());
          }
        });
  }

  private static void readHead(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    for (int b; matched < end.length && (b = in.read()) >= 0; ) {
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
  }

  public int port() {
    return server.getLocalPort();
  }

  /** The ports of the clients that connected, in order. */
  public List<Integer> clientPorts() {
    return List.copyOf(clientPorts);
  }

  /**
   * Asserts that nobody had connected before now: connects once itself and checks that its own
   * connection is the first the server accepted. The listen queue is first in, first out, so an
   * earlier connection would have been accepted first; this needs no sleep.
   */
  public void assertNoConnectionBeforeNow() throws IOException, InterruptedException {
    int probe;
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port())) {
      probe = socket.getLocalPort();
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!clientPorts.contains(probe) && System.nanoTime() < giveUp) {
        Thread.sleep(10);
      }
    }
    assertThat(clientPorts())
        .as("connections accepted, the last being the test's own probe")
        .containsExactly(probe);
  }

  @Override
  public void close() throws IOException {
    server.close();
    executor.shutdownNow();
  }
}
