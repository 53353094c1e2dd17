package org.metagov.api.catalogue;

import io.swagger.v3.oas.annotations.Hidden;
import java.io.IOException;
import java.net.URI;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Serves Redoc from the webjar in this jar (no CDN), reading the same OpenAPI document as Swagger
 * UI.
 */
@Hidden
@RestController
public class RedocController {

  private final String page;

  public RedocController() throws IOException {
    Resource[] scripts =
        new PathMatchingResourcePatternResolver()
            .getResources("classpath*:META-INF/resources/webjars/redoc/*/redoc.standalone.js");
    if (scripts.length == 0) {
      throw new IllegalStateException("the Redoc webjar is missing from the classpath");
    }
    String url = scripts[0].getURL().toString();
    // The path after the LAST META-INF/resources: the jar's own location can contain
    // /webjars/redoc/ too
    // (a Maven repository path such as .m2/repository/org/webjars/redoc/2.5.1/redoc-2.5.1.jar).
    String resources = "/META-INF/resources";
    String script =
        url.substring(url.lastIndexOf(resources + "/webjars/redoc/") + resources.length());
    this.page =
        """
        <!DOCTYPE html>
        <html>
          <head>
            <title>Metagov API (Redoc)</title>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1">
          </head>
          <body>
            <redoc spec-url="/v3/api-docs"></redoc>
            <script src="%s"></script>
          </body>
        </html>
        """
            .formatted(script);
  }

  /** The root leads to the API documentation, as the gateway's did. */
  @Hidden
  @GetMapping("/")
  public ResponseEntity<Void> index() {
    return ResponseEntity.status(HttpStatus.FOUND).location(URI.create("/redoc")).build();
  }

  @GetMapping(
      path = {"/redoc", "/redoc/"},
      produces = MediaType.TEXT_HTML_VALUE)
  public String redoc() {
    return page;
  }
}
