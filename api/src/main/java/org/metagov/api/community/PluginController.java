package org.metagov.api.community;

import static org.metagov.api.catalogue.OpenApiContract.BAD_GATEWAY;
import static org.metagov.api.catalogue.OpenApiContract.BAD_REQUEST;
import static org.metagov.api.catalogue.OpenApiContract.CONFLICT;
import static org.metagov.api.catalogue.OpenApiContract.NOT_FOUND;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.metagov.api.catalogue.OpenApiContract;
import org.metagov.api.community.CommunityService.PluginView;
import org.metagov.api.community.CommunityService.SavedPlugin;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * The gateway's way of managing a community's plugins one at a time, beside the declarative PUT of
 * the whole community: both go through the same {@link CommunityService} rules.
 */
@Tag(name = OpenApiContract.COMMUNITIES)
@RestController
public class PluginController {

  private final CommunityService communities;

  public PluginController(CommunityService communities) {
    this.communities = communities;
  }

  @Operation(
      operationId = "enablePlugin",
      summary = "Enable or reconfigure one plugin",
      description =
          "The body is the plugin's config. The community's other plugins stay as they are. A reconfigured"
              + " plugin keeps its id; secrets sent back as \"********\" keep their stored values, as in a PUT of the community.",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = false,
              description =
                  "The plugin's config, as its config schema (GET /api/internal/plugin-schemas) describes it.",
              content =
                  @Content(
                      mediaType = MediaType.APPLICATION_JSON_VALUE,
                      schema =
                          @Schema(
                              type = "object",
                              additionalProperties = Schema.AdditionalPropertiesValue.TRUE))),
      responses = {
        @ApiResponse(responseCode = "201", description = "The plugin was enabled."),
        @ApiResponse(
            responseCode = "200",
            description = "The plugin was already enabled; its config is now the body."),
        @ApiResponse(
            responseCode = "400",
            ref = BAD_REQUEST,
            description = "Invalid config or missing community header;" + " nothing changed."),
        @ApiResponse(
            responseCode = "404",
            ref = NOT_FOUND,
            description = "Unknown community or plugin."),
        @ApiResponse(
            responseCode = "502",
            ref = BAD_GATEWAY,
            description = "The platform refused the plugin's set-up;" + " nothing changed.")
      })
  @PostMapping(path = "/api/internal/plugin/{name}", produces = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<PluginView> enable(
      @PathVariable String name,
      @Parameter(in = ParameterIn.HEADER, required = true, description = "The community's slug")
          @RequestHeader(name = "X-Metagov-Community", required = false)
          String community,
      @RequestBody(required = false) JsonNode config) {
    SavedPlugin saved = communities.enablePlugin(community, name, config);
    return ResponseEntity.status(saved.created() ? HttpStatus.CREATED : HttpStatus.OK)
        .body(saved.plugin());
  }

  @Operation(
      operationId = "disablePlugin",
      summary = "Disable one plugin",
      description =
          "Like a PUT of the community without the plugin: refused while the plugin has open processes;"
              + " its platform side is torn down after the change. Enabling it again gives it a new id.",
      responses = {
        @ApiResponse(responseCode = "204", description = "The plugin was disabled."),
        @ApiResponse(
            responseCode = "404",
            ref = NOT_FOUND,
            description = "No enabled plugin of that name has this id."),
        @ApiResponse(
            responseCode = "409",
            ref = CONFLICT,
            description = "The plugin has open processes; nothing changed.")
      })
  @DeleteMapping("/api/internal/plugin/{name}/{id:[0-9]+}")
  public ResponseEntity<Void> disable(@PathVariable String name, @PathVariable long id) {
    communities.disablePlugin(name, id);
    return ResponseEntity.noContent().build();
  }
}
