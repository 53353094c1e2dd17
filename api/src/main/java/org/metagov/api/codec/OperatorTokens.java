package org.metagov.api.codec;

import java.security.MessageDigest;
import java.util.List;
import org.metagov.api.security.DriverTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The operators' tokens of the codec endpoint ({@code METAGOV_CODEC_TOKENS}). They are not Driver tokens: a
 * Driver token may be limited to some communities, and with no Driver tokens the Driver API is open, while the
 * codec decrypts every community's payloads; so only these tokens open it, and without any it is off.
 */
@Component
public class OperatorTokens {

  private static final Logger log = LoggerFactory.getLogger(OperatorTokens.class);

  private final List<byte[]> digests;

  public OperatorTokens(CodecProperties properties) {
    List<String> tokens = properties.tokens().stream().map(String::trim).filter(t -> !t.isEmpty()).toList();
    if (tokens.stream().anyMatch(t -> t.length() < 16)) {
      throw new IllegalStateException("Every METAGOV_CODEC_TOKENS token must be at least 16 characters long.");
    }
    this.digests = tokens.stream().map(DriverTokens::digest).toList();
    if (!digests.isEmpty()) {
      log.info("The codec endpoint /codec is on ({} operator token(s)); the Temporal UI at {} may call it.",
          digests.size(), properties.uiOrigins());
    }
  }

  public boolean enabled() {
    return !digests.isEmpty();
  }

  /** Whether the token is an operator's; compares digests in constant time against every token. */
  public boolean accepts(String token) {
    if (token == null || token.isEmpty()) {
      return false;
    }
    byte[] presented = DriverTokens.digest(token);
    boolean match = false;
    for (byte[] digest : digests) {
      match |= MessageDigest.isEqual(digest, presented);
    }
    return match;
  }
}
