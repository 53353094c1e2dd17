package org.metagov.api.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal Discourse for the benchmark (loopback only): creating a post returns a new post with a
 * regular poll, and reading a post shows the votes the benchmark set for it.
 */
final class FakeForum {
  final HttpServer server;
  final Map<Long, Long> votes = new ConcurrentHashMap<>();
  final AtomicLong ids = new AtomicLong(1000);

  FakeForum() throws IOException {
    // Without TCP_NODELAY the JDK server's separate header and body writes meet delayed ACKs: +40
    // ms a call.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext(
        "/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          exchange.getRequestBody().readAllBytes();
          String json;
          if ("POST".equals(exchange.getRequestMethod()) && path.equals("/posts.json")) {
            long id = ids.incrementAndGet();
            votes.put(id, 0L);
            json = post(id);
          } else if ("GET".equals(exchange.getRequestMethod())
              && path.matches("/posts/\\d+\\.json")) {
            json = post(Long.parseLong(path.replaceAll("\\D", "")));
          } else {
            json =
                "{\"errors\": [\"The requested URL or resource could not be found.\"], \"error_type\": \"not_found\"}";
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(404, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
            return;
          }
          byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.start();
  }

  String post(long id) {
    long yes = votes.getOrDefault(id, 0L);
    return "{\"id\": "
        + id
        + ", \"topic_id\": "
        + id
        + ", \"topic_slug\": \"x\", \"post_number\": 1, \"raw\": \"vote\","
        + " \"polls\": [{\"id\": 7, \"name\": \"poll\", \"type\": \"regular\", \"status\": \"open\", \"public\": true,"
        + " \"results\": \"always\", \"options\": [{\"id\": \"a1\", \"html\": \"Yes\", \"votes\": "
        + yes
        + "},"
        + " {\"id\": \"b2\", \"html\": \"No\", \"votes\": 0}], \"voters\": "
        + yes
        + "}]}";
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  void stop() {
    server.stop(0);
  }
}
