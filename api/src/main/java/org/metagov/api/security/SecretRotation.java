package org.metagov.api.security;

import org.metagov.api.community.CommunityRepository;
import org.metagov.api.community.CommunityRepository.SealedConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * At start-up, re-seals every plugin secret that is stored in plaintext or under a previous key
 * with the current {@code METAGOV_SECRET_KEY}. Once it has run, the previous keys can be removed
 * from the configuration. Each row is rewritten on its own, so an interrupted rotation resumes on
 * the next start.
 */
@Component
public class SecretRotation implements ApplicationRunner {

  private static final Logger log = LoggerFactory.getLogger(SecretRotation.class);

  private final CommunityRepository repository;
  private final SecretCipher cipher;

  public SecretRotation(CommunityRepository repository, SecretCipher cipher) {
    this.repository = repository;
    this.cipher = cipher;
  }

  @Override
  public void run(ApplicationArguments args) {
    int resealed = rotate();
    if (resealed > 0) {
      log.info(
          "Re-sealed the secrets of {} plugin config(s) with key {}.",
          resealed,
          cipher.currentKeyId());
    }
  }

  /** Re-seals what needs it; returns how many plugin configs were rewritten. */
  public int rotate() {
    int resealed = 0;
    for (SealedConfig stored : repository.sealedConfigs()) {
      if (repository.reseal(stored)) {
        resealed++;
      }
    }
    return resealed;
  }
}
