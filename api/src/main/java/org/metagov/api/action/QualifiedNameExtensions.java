package org.metagov.api.action;

import org.metagov.activities.plugin.ActionSpec;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.activities.plugin.ProcessSpec;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.config.annotation.ContentNegotiationConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Declares the action and process names of the catalogue as what they are in Driver URLs such as
 * {@code /api/internal/action/randomness.random-int}: the part after the dot names a JSON
 * operation, not a file type. Spring MVC reads that part as a file extension, and unless content
 * negotiation knows the extension its reflected-file-download guard adds {@code
 * Content-Disposition: inline;filename=f.txt} to every answer. A name that is in no plugin's
 * catalogue stays unknown, so an answer that echoes it (a 404 problem) keeps the guard.
 */
@Configuration(proxyBeanMethods = false)
public class QualifiedNameExtensions implements WebMvcConfigurer {

  private final PluginRegistry registry;

  public QualifiedNameExtensions(PluginRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void configureContentNegotiation(ContentNegotiationConfigurer configurer) {
    for (Plugin plugin : registry.all()) {
      for (ActionSpec action : plugin.actions()) {
        configurer.mediaType(action.name(), MediaType.APPLICATION_JSON);
      }
      for (ProcessSpec process : plugin.processes()) {
        configurer.mediaType(process.name(), MediaType.APPLICATION_JSON);
      }
    }
  }
}
