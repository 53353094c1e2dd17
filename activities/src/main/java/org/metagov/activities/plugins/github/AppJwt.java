package org.metagov.activities.plugins.github;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON Web Token a GitHub App authenticates as itself with ({@code GET
 * /app/installations/{id}}, minting installation tokens): RS256 over {@code iss} = the App ID,
 * {@code iat} a minute in the past (GitHub's advice against clock drift) and {@code exp} nine
 * minutes ahead, under GitHub's ten-minute limit.
 */
final class AppJwt {

  static final Duration BACKDATE = Duration.ofSeconds(60);
  static final Duration LIFETIME = Duration.ofMinutes(9);

  /**
   * The DER of the {@code rsaEncryption} AlgorithmIdentifier, which a PKCS#8 wrapping of a PKCS#1
   * key names.
   */
  private static final byte[] RSA_ALGORITHM = {
    0x30,
    0x0d,
    0x06,
    0x09,
    0x2a,
    (byte) 0x86,
    0x48,
    (byte) 0x86,
    (byte) 0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
    0x05,
    0x00
  };

  private final GitHubProperties properties;
  private final Clock clock;
  private volatile PrivateKey key;

  AppJwt(GitHubProperties properties, Clock clock) {
    this.properties = properties;
    this.clock = clock;
  }

  String token() {
    long now = clock.instant().getEpochSecond();
    ObjectNode header = Json.object();
    header.put("alg", "RS256");
    header.put("typ", "JWT");
    ObjectNode claims = Json.object();
    claims.put("iat", now - BACKDATE.toSeconds());
    claims.put("exp", now + LIFETIME.toSeconds());
    String appId = properties.appId().trim();
    if (appId.matches("[0-9]{1,18}")) {
      claims.put("iss", Long.parseLong(appId));
    } else {
      claims.put("iss", appId);
    }
    String signed =
        base64Url(Json.write(header).getBytes(StandardCharsets.UTF_8))
            + "."
            + base64Url(Json.write(claims).getBytes(StandardCharsets.UTF_8));
    try {
      Signature signature = Signature.getInstance("SHA256withRSA");
      signature.initSign(key());
      signature.update(signed.getBytes(StandardCharsets.US_ASCII));
      return signed + "." + base64Url(signature.sign());
    } catch (GeneralSecurityException e) {
      throw unreadableKey();
    }
  }

  private PrivateKey key() {
    PrivateKey current = key;
    if (current == null) {
      current = readKey(properties.privateKey());
      key = current;
    }
    return current;
  }

  /**
   * Reads a PEM RSA private key, PKCS#8 or PKCS#1; newlines written as {@code \n} (as in a .env
   * file) are read as such.
   */
  static PrivateKey readKey(String pem) {
    if (pem == null) {
      throw unreadableKey();
    }
    String text = pem.replace("\\n", "\n").trim();
    boolean pkcs1 = text.contains("-----BEGIN RSA PRIVATE KEY-----");
    if (!pkcs1 && !text.contains("-----BEGIN PRIVATE KEY-----")) {
      throw unreadableKey();
    }
    String base64 =
        text.replaceAll("-----(BEGIN|END) (RSA )?PRIVATE KEY-----", "").replaceAll("\\s", "");
    try {
      byte[] der = Base64.getDecoder().decode(base64);
      return KeyFactory.getInstance("RSA")
          .generatePrivate(new PKCS8EncodedKeySpec(pkcs1 ? pkcs8(der) : der));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw unreadableKey();
    }
  }

  /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo, the only form the JDK reads. */
  static byte[] pkcs8(byte[] pkcs1) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    content.writeBytes(new byte[] {0x02, 0x01, 0x00});
    content.writeBytes(RSA_ALGORITHM);
    content.write(0x04);
    content.writeBytes(derLength(pkcs1.length));
    content.writeBytes(pkcs1);
    ByteArrayOutputStream info = new ByteArrayOutputStream();
    info.write(0x30);
    info.writeBytes(derLength(content.size()));
    info.writeBytes(content.toByteArray());
    return info.toByteArray();
  }

  private static byte[] derLength(int length) {
    if (length < 0x80) {
      return new byte[] {(byte) length};
    }
    if (length < 0x100) {
      return new byte[] {(byte) 0x81, (byte) length};
    }
    if (length < 0x10000) {
      return new byte[] {(byte) 0x82, (byte) (length >> 8), (byte) length};
    }
    return new byte[] {(byte) 0x83, (byte) (length >> 16), (byte) (length >> 8), (byte) length};
  }

  private static PlatformException unreadableKey() {
    // Status 0: no call was made, and retrying cannot help until the deployment's key is fixed.
    return new PlatformException(
        Kind.REJECTED,
        GitHubApi.PLATFORM,
        0,
        "The GitHub App's private key (GITHUB_APP_PRIVATE_KEY) is not a readable PEM RSA private key.");
  }

  private static String base64Url(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
