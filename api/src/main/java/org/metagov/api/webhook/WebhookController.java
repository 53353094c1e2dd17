package org.metagov.api.webhook;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Map;
import org.metagov.api.catalogue.OpenApiContract;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * Webhook receivers: one per plugin per community, as listed by {@code GET
 * /api/internal/community/{slug}/hooks}.
 */
@Tag(name = OpenApiContract.WEBHOOKS)
@RestController
public class WebhookController {

  private final WebhookService webhooks;
  private final io.micrometer.core.instrument.MeterRegistry meters;

  public WebhookController(
      WebhookService webhooks, io.micrometer.core.instrument.MeterRegistry meters) {
    this.webhooks = webhooks;
    this.meters = meters;
  }

  /**
   * An installed app's single receiver: every installation's webhooks arrive here and are routed by
   * the installation key they name. The plugin may shape the answer (a URL check's challenge, an
   * interaction reply).
   */
  @Operation(
      operationId = "receiveAppWebhook",
      summary = "An installed app's webhooks (Slack, GitHub), routed by installation",
      description =
          "Platforms call this, not Drivers. The body and its signature header are the platform's own.",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = true,
              content = {
                @Content(
                    mediaType = MediaType.APPLICATION_JSON_VALUE,
                    schema = @Schema(type = "object")),
                @Content(
                    mediaType = MediaType.APPLICATION_FORM_URLENCODED_VALUE,
                    schema = @Schema(type = "object"))
              }),
      responses = {
        @ApiResponse(
            responseCode = "200",
            description =
                "Received; the platform's URL check or interaction answer where it expects one.",
            content =
                @Content(
                    mediaType = MediaType.APPLICATION_JSON_VALUE,
                    schema = @Schema(type = "object"))),
        @ApiResponse(responseCode = "400", ref = OpenApiContract.BAD_REQUEST),
        @ApiResponse(
            responseCode = "401",
            ref = OpenApiContract.UNAUTHORIZED,
            description = "The platform's signature does not verify."),
        @ApiResponse(responseCode = "404", ref = OpenApiContract.NOT_FOUND),
        @ApiResponse(responseCode = "413", ref = OpenApiContract.PAYLOAD_TOO_LARGE)
      })
  @PostMapping(path = "/api/hooks/{plugin}")
  public ResponseEntity<?> receiveApp(
      @PathVariable String plugin,
      @RequestHeader HttpHeaders headers,
      jakarta.servlet.http.HttpServletRequest request)
      throws java.io.IOException {
    byte[] body = request.getInputStream().readAllBytes();
    long started = System.nanoTime();
    String outcome = "error";
    try {
      WebhookService.AppAnswer answer =
          webhooks.receiveApp(plugin, headers, body == null ? new byte[0] : body);
      outcome = answer.json() == null ? "replied" : String.valueOf(answer.json().get("status"));
      if (answer.reply() != null) {
        return ResponseEntity.status(answer.reply().status())
            .contentType(MediaType.parseMediaType(answer.reply().contentType()))
            .body(answer.reply().body());
      }
      return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(answer.json());
    } finally {
      record(plugin, outcome, started);
    }
  }

  @Operation(
      operationId = "receiveWebhook",
      summary = "A platform's webhook for one community's plugin",
      description =
          "Platforms call this, not Drivers: GET /api/internal/community/{slug}/hooks lists the addresses to register.",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = true,
              content = {
                @Content(
                    mediaType = MediaType.APPLICATION_JSON_VALUE,
                    schema = @Schema(type = "object")),
                @Content(
                    mediaType = MediaType.APPLICATION_FORM_URLENCODED_VALUE,
                    schema = @Schema(type = "object"))
              }),
      responses = {
        @ApiResponse(
            responseCode = "200",
            description =
                "accepted (with the processes signalled and events queued), duplicate or ignored.",
            content =
                @Content(
                    mediaType = MediaType.APPLICATION_JSON_VALUE,
                    schema = @Schema(type = "object"))),
        @ApiResponse(responseCode = "400", ref = OpenApiContract.BAD_REQUEST),
        @ApiResponse(
            responseCode = "401",
            ref = OpenApiContract.UNAUTHORIZED,
            description = "The platform's signature does not verify."),
        @ApiResponse(responseCode = "404", ref = OpenApiContract.NOT_FOUND),
        @ApiResponse(responseCode = "413", ref = OpenApiContract.PAYLOAD_TOO_LARGE)
      })
  @PostMapping(
      path = {"/api/hooks/{community}/{plugin}", "/api/hooks/{community}/{plugin}/{webhookSlug}"},
      produces = MediaType.APPLICATION_JSON_VALUE)
  public Map<String, Object> receive(
      @PathVariable String community,
      @PathVariable String plugin,
      @PathVariable(required = false) String webhookSlug,
      @RequestHeader HttpHeaders headers,
      jakarta.servlet.http.HttpServletRequest request)
      throws java.io.IOException {
    // The raw bytes, not a body Spring rebuilt from form parameters: signatures are computed over
    // them.
    byte[] body = request.getInputStream().readAllBytes();
    long started = System.nanoTime();
    String outcome = "error";
    try {
      Map<String, Object> answer =
          webhooks.receive(
              community, plugin, webhookSlug, headers, body == null ? new byte[0] : body);
      outcome = String.valueOf(answer.get("status"));
      return answer;
    } finally {
      record(plugin, outcome, started);
    }
  }

  private void record(String plugin, String outcome, long started) {
    // Tagged by plugin only when the plugin exists, so outsiders cannot grow the metric's tag set.
    String pluginTag = webhooks.knownPlugin(plugin) ? plugin : "unknown";
    io.micrometer.core.instrument.Timer.builder("metagov.webhook.acknowledgement")
        .description(
            "Time from receiving a platform webhook to answering it (after Temporal accepted it)")
        .tag("plugin", pluginTag)
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .register(meters)
        .record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
  }
}
