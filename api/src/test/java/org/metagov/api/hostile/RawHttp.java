package org.metagov.api.hostile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately dumb HTTP/1.1 client over a plain socket: it sends the request target, headers and
 * body bytes exactly as given (no URI normalization, no header validation, any method, no
 * Content-Type unless asked), so hostile requests reach the server as a hostile client would send
 * them. One request per connection ({@code Connection: close}); the body is written on its own
 * thread so an early answer (413) is still read.
 */
final class RawHttp {

  private RawHttp() {}

  /**
   * An answer: the status, the headers (names in lower case, first value) and the body as UTF-8
   * text.
   */
  record Reply(int status, Map<String, String> headers, String body) {

    String contentType() {
      return headers.getOrDefault("content-type", "").toLowerCase(Locale.ROOT);
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  static Reply exchange(
      int port,
      String method,
      String target,
      List<String[]> headers,
      byte[] body,
      boolean chunked) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(30_000);
      StringBuilder head = new StringBuilder();
      head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
      head.append("Host: 127.0.0.1:").append(port).append("\r\n");
      head.append("Connection: close\r\n");
      for (String[] header : headers) {
        head.append(header[0]).append(": ").append(header[1]).append("\r\n");
      }
      if (body != null) {
        head.append(
            chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n");
      }
      head.append("\r\n");
      // Header values are sent as UTF-8 bytes (a hostile client may send any bytes).
      byte[] headBytes = head.toString().getBytes(StandardCharsets.UTF_8);
      OutputStream out = socket.getOutputStream();
      Thread writer = new Thread(() -> write(out, headBytes, body, chunked), "raw-http-writer");
      writer.setDaemon(true);
      writer.start();
      byte[] raw = readAll(socket.getInputStream());
      writer.join(5_000);
      return parse(raw);
    } catch (IOException e) {
      throw new AssertionError("request " + method + " " + abbreviate(target) + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static void write(OutputStream out, byte[] head, byte[] body, boolean chunked) {
    try {
      out.write(head);
      if (body != null) {
        if (chunked) {
          for (int offset = 0; offset < body.length; offset += 8192) {
            int n = Math.min(8192, body.length - offset);
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, offset, n);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
          }
          out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        } else {
          out.write(body);
        }
      }
      out.flush();
    } catch (IOException e) {
      // The server answered (413) and closed before reading everything; the answer is what counts.
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[16384];
    try {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        bytes.write(buffer, 0, n);
      }
    } catch (SocketException e) {
      // A reset after the server closed a connection with unread request bytes: keep what arrived.
      if (bytes.size() == 0) {
        throw e;
      }
    }
    return bytes.toByteArray();
  }

  private static Reply parse(byte[] raw) throws IOException {
    int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    if (end < 0) {
      throw new IOException("no complete HTTP answer (" + raw.length + " bytes)");
    }
    String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
    String[] statusLine = lines[0].split(" ", 3);
    int status = Integer.parseInt(statusLine[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.putIfAbsent(
            lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim());
      }
    }
    byte[] rest = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
    byte[] body =
        "chunked".equalsIgnoreCase(headers.get("transfer-encoding")) ? dechunk(rest) : rest;
    if (headers.containsKey("content-length")) {
      int length = Integer.parseInt(headers.get("content-length"));
      body = java.util.Arrays.copyOf(body, Math.min(length, body.length));
    }
    return new Reply(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  private static byte[] dechunk(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int pos = 0;
    while (pos < data.length) {
      int lineEnd = indexOf(data, "\r\n".getBytes(StandardCharsets.US_ASCII), pos);
      if (lineEnd < 0) {
        break;
      }
      String sizeText =
          new String(data, pos, lineEnd - pos, StandardCharsets.US_ASCII).split(";")[0].trim();
      int size = sizeText.isEmpty() ? 0 : Integer.parseInt(sizeText, 16);
      if (size == 0) {
        break;
      }
      int start = lineEnd + 2;
      out.write(data, start, Math.min(size, data.length - start));
      pos = start + size + 2;
    }
    return out.toByteArray();
  }

  private static int indexOf(byte[] data, byte[] pattern) {
    return indexOf(data, pattern, 0);
  }

  private static int indexOf(byte[] data, byte[] pattern, int from) {
    outer:
    for (int i = from; i <= data.length - pattern.length; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (data[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static String abbreviate(String text) {
    return text.length() <= 120
        ? text
        : text.substring(0, 100) + "...(" + text.length() + " chars)";
  }
}
