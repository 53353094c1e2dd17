package org.metagov.api.community;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.metagov.api.community.CommunityService.PluginView;
import org.metagov.api.community.CommunityService.SavedPlugin;
import org.metagov.api.problem.Problem;
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
 * The gateway's way of managing a community's plugins one at a time, beside the declarative PUT of the whole
 * community: both go through the same {@link CommunityService} rules.
 */
@Tag(name = "Communities", description = "Communities and the plugins they enable")
@RestController
public class PluginController {

  private final CommunityService communities;

  public PluginController(CommunityService communities) {
    this.communities = communities;
  }

  @Operation(summary = "Enable or reconfigure one plugin",
      description = "The body is the plugin's config. The community's other plugins stay as they are. A reconfigured"
          + " plugin keeps its id; secrets sent back as \"********\" keep their stored values, as in a PUT of the community.")
  @ApiResponse(responseCode = "201", description = "The plugin was enabled", content = @Content(schema = @Schema(implementation = PluginView.class)))
  @ApiResponse(responseCode = "200", description = "The plugin was already enabled; its config is now the body",
      content = @Content(schema = @Schema(implementation = PluginView.class)))
  @ApiResponse(responseCode = "400", description = "Invalid config or missing community header; nothing changed",
      content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
  @ApiResponse(responseCode = "404", description = "Unknown community or plugin",
      content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
  @ApiResponse(responseCode = "502", description = "The platform refused the plugin's set-up; nothing changed",
      content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
  @PostMapping(path = "/api/internal/plugin/{name}", produces = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<PluginView> enable(
      @PathVariable String name,
      @Parameter(in = ParameterIn.HEADER, required = true, description = "The community's slug")
      @RequestHeader(name = "X-Metagov-Community", required = false) String community,
      @RequestBody(required = false) JsonNode config) {
    SavedPlugin saved = communities.enablePlugin(community, name, config);
    return ResponseEntity.status(saved.created() ? HttpStatus.CREATED : HttpStatus.OK).body(saved.plugin());
  }

  @Operation(summary = "Disable one plugin",
      description = "Like a PUT of the community without the plugin: refused while the plugin has open processes;"
          + " its platform side is torn down after the change. Enabling it again gives it a new id.")
  @ApiResponse(responseCode = "204", description = "The plugin was disabled")
  @ApiResponse(responseCode = "404", description = "No enabled plugin of that name has this id",
      content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
  @ApiResponse(responseCode = "409", description = "The plugin has open processes; nothing changed",
      content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
  @DeleteMapping("/api/internal/plugin/{name}/{id:[0-9]+}")
  public ResponseEntity<Void> disable(@PathVariable String name, @PathVariable long id) {
    communities.disablePlugin(name, id);
    return ResponseEntity.noContent().build();
  }
}
