package org.metagov.api.codec;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The codec endpoint that lets operators read Temporal's encrypted payloads in the Temporal UI and
 * CLI.
 *
 * @param tokens the operators' bearer tokens ({@code METAGOV_CODEC_TOKENS}); none turns the
 *     endpoint off
 * @param uiOrigins the origins of the Temporal UI that may call the endpoint from a browser ({@code
 *     TEMPORAL_UI_ORIGIN}, comma-separated)
 */
@ConfigurationProperties("metagov.codec")
public record CodecProperties(
    @DefaultValue List<String> tokens,
    @DefaultValue({"http://localhost:8080", "http://127.0.0.1:8080"}) List<String> uiOrigins) {}
