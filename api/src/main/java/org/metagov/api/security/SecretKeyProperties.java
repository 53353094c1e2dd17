package org.metagov.api.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The master keys of the {@link KeyRing}.
 *
 * @param key the current key, base64 of 32 bytes ({@code METAGOV_SECRET_KEY}); empty in the
 *     embedded run
 * @param previousKeys the keys used before a rotation, comma-separated ({@code
 *     METAGOV_PREVIOUS_SECRET_KEYS}), still accepted for decryption
 */
@ConfigurationProperties("metagov.secrets")
public record SecretKeyProperties(
    @DefaultValue("") String key, @DefaultValue("") String previousKeys) {}
