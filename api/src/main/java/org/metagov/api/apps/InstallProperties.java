package org.metagov.api.apps;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The OAuth install flow of installed apps.
 *
 * @param redirectUris where the flow may send the browser back to when it ends: the Driver's {@code
 *     redirect_uri} must start with one of these (scheme, host and port equal, path a prefix).
 *     Empty refuses every install.
 * @param stateTtl how long an install may take between authorize and callback
 */
@ConfigurationProperties("metagov.install")
public record InstallProperties(
    @DefaultValue List<String> redirectUris, @DefaultValue("10m") Duration stateTtl) {}
