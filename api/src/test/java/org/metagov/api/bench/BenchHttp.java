package org.metagov.api.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.metagov.activities.json.Json;
import tools.jackson.databind.JsonNode;

/**
 * The benchmark's HTTP client for requests to the API: blocking {@link HttpURLConnection} over
 * kept-alive connections. The peers pay for no HTTP client, and a Driver's client runs in its own
 * process, so the client the benchmark uses should cost as little as it can: side by side in one
 * run, a request that the API answers with a 404 problem took 1.5 ms (p50, one thread) with this
 * client and 3.7 ms with {@code java.net.http.HttpClient}, whose hand-offs between its selector and
 * caller threads cost more than the API's own work on such a request.
 */
final class BenchHttp {

  static {
    // The JDK keeps five idle connections per server by default; the scale run has eight client
    // threads, and a new connection per request is not what a Driver's client does.
    if (System.getProperty("http.maxConnections") == null) {
      System.setProperty("http.maxConnections", "32");
    }
  }

  private BenchHttp() {}

  /** An answer: its status, its body as text and the headers the benchmark reads. */
  record Answer(int status, String body, String location) {

    JsonNode json() {
      return Json.parse(body);
    }
  }

  /**
   * Sends a request to {@code 127.0.0.1:port}. {@code body} is sent as JSON when not null; {@code
   * headers} are name, value pairs. Throws {@link java.net.SocketTimeoutException} when no answer
   * comes within {@code timeout}.
   */
  static Answer send(
      int port, String method, String path, String body, Duration timeout, String... headers)
      throws IOException {
    HttpURLConnection connection =
        (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
    connection.setRequestMethod(method);
    connection.setConnectTimeout(5_000);
    connection.setReadTimeout((int) timeout.toMillis());
    connection.setInstanceFollowRedirects(false);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      connection.setRequestProperty(headers[i], headers[i + 1]);
    }
    if (body != null) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      connection.setDoOutput(true);
      connection.setRequestProperty("Content-Type", "application/json");
      connection.setFixedLengthStreamingMode(bytes.length);
      try (OutputStream out = connection.getOutputStream()) {
        out.write(bytes);
      }
    }
    int status = connection.getResponseCode();
    // Reading the body to its end and closing the stream hands the connection back for reuse.
    try (InputStream in =
        status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
      String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return new Answer(status, text, connection.getHeaderField("Location"));
    }
  }
}
