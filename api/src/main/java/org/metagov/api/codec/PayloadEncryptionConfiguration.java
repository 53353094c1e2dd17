package org.metagov.api.codec;

import io.temporal.common.converter.DataConverter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires payload encryption into Temporal. */
@Configuration(proxyBeanMethods = false)
public class PayloadEncryptionConfiguration {

  /**
   * The client's and the workers' data converter (the starter picks this bean for both): every
   * payload is encrypted before it reaches Temporal.
   */
  @Bean
  DataConverter mainDataConverter(PayloadEncryptionCodec codec) {
    return codec.dataConverter();
  }
}
