package org.metagov.api.hostile;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One hostile request and what the Driver API must answer: the exact status, the allowed problem
 * {@code code}s (any when empty), an optional extra check of the answer, and, for the few requests
 * that legitimately change something, the exact row-count change of each table (every other request
 * must change nothing at all).
 */
final class HostileCase {

  final String name;
  final String method;
  final String target;
  final List<String[]> headers = new ArrayList<>();
  byte[] body;
  boolean chunked;
  int status = -1;
  final Set<String> codes = new LinkedHashSet<>();
  Consumer<RawHttp.Reply> check = reply -> {};

  /** Table -> expected change of its row count; null when the request must change nothing. */
  Map<String, Long> changes;

  private HostileCase(String name, String method, String target) {
    this.name = name;
    this.method = method;
    this.target = target;
  }

  static HostileCase of(String name, String method, String target) {
    return new HostileCase(name, method, target);
  }

  HostileCase header(String name, String value) {
    headers.add(new String[] {name, value});
    return this;
  }

  /**
   * Sets a header, replacing any of the same name set before (where {@link #header} would send
   * both).
   */
  HostileCase replaceHeader(String name, String value) {
    headers.removeIf(header -> header[0].equalsIgnoreCase(name));
    return header(name, value);
  }

  HostileCase community(String slug) {
    return header("X-Metagov-Community", slug);
  }

  /** A body sent as application/json. */
  HostileCase json(String text) {
    return body("application/json", text.getBytes(StandardCharsets.UTF_8));
  }

  /** A body with this Content-Type (none when null). */
  HostileCase body(String contentType, byte[] bytes) {
    if (contentType != null) {
      header("Content-Type", contentType);
    }
    this.body = bytes;
    return this;
  }

  HostileCase chunked() {
    this.chunked = true;
    return this;
  }

  HostileCase expect(int status, String... codes) {
    this.status = status;
    this.codes.addAll(List.of(codes));
    return this;
  }

  HostileCase check(Consumer<RawHttp.Reply> check) {
    this.check = check;
    return this;
  }

  /**
   * This request legitimately adds (or removes) rows: table -> row-count change; every other table
   * stays as it was.
   */
  HostileCase changes(String table, long delta) {
    if (changes == null) {
      changes = new LinkedHashMap<>();
    }
    changes.put(table, delta);
    return this;
  }

  String display() {
    return name + " [" + method + " " + RawHttp.abbreviate(target) + "]";
  }
}
