package org.metagov.api.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.metagov.activities.http.PlatformRateLimiter;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How plugins call their platforms.
 *
 * @param connectTimeout the longest wait for a connection
 * @param requestTimeout the whole call, from connecting to the answer's last byte
 * @param maxResponseSize the largest answer read; a larger one fails the call
 * @param rateLimit how fast each platform instance is called
 */
@ConfigurationProperties("metagov.platform")
public record PlatformProperties(
    @DefaultValue("5s") Duration connectTimeout,
    @DefaultValue("20s") Duration requestTimeout,
    @DefaultValue("4MB") DataSize maxResponseSize,
    @DefaultValue RateLimit rateLimit) {

  /**
   * The token buckets of {@link PlatformRateLimiter}, one per platform instance.
   *
   * @param maxWait the longest a call waits for a token; a longer wait fails it as rate limited, to
   *     be retried then
   * @param defaults the rate of a plugin not named in {@code plugins}
   * @param plugins rates by plugin name, over {@link #DOCUMENTED}
   */
  public record RateLimit(
      @DefaultValue("2s") Duration maxWait,
      @DefaultValue Rate defaults,
      Map<String, Rate> plugins) {

    /**
     * Under each platform's documented limit, counting the burst: Discourse's admin API allows 60
     * requests a minute per forum, GitHub 5,000 an hour per installation, Slack's Tier 3 methods 50
     * a minute per workspace, Discord 50 a second per bot.
     */
    public static final Map<String, Rate> DOCUMENTED =
        Map.of(
            "discourse", new Rate(0.9, 6),
            "github", new Rate(1.3, 20),
            "slack", new Rate(0.75, 5),
            "discord", new Rate(40, 10));

    public RateLimit {
      Map<String, Rate> merged = new LinkedHashMap<>(DOCUMENTED);
      if (plugins != null) {
        merged.putAll(plugins);
      }
      plugins = Map.copyOf(merged);
    }
  }

  /**
   * @param perSecond calls a second, sustained
   * @param burst calls allowed at once after a quiet spell
   */
  public record Rate(@DefaultValue("1") double perSecond, @DefaultValue("5") int burst) {

    public PlatformRateLimiter.Rate bucket() {
      return new PlatformRateLimiter.Rate(perSecond, burst);
    }
  }
}
