package org.metagov.api.community;

import static org.metagov.api.catalogue.OpenApiContract.BAD_REQUEST;
import static org.metagov.api.catalogue.OpenApiContract.CONFLICT;
import static org.metagov.api.catalogue.OpenApiContract.FORBIDDEN;
import static org.metagov.api.catalogue.OpenApiContract.NOT_FOUND;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.util.List;
import org.metagov.api.catalogue.OpenApiContract;
import org.metagov.api.community.CommunityService.CommunityView;
import org.metagov.api.community.CommunityService.Saved;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** Creating, changing, reading and deleting communities, and listing their webhook receivers. */
@Tag(name = OpenApiContract.COMMUNITIES)
@RestController
@RequestMapping(path = "/api/internal/community", produces = MediaType.APPLICATION_JSON_VALUE)
public class CommunityController {

  private final CommunityService communities;

  public CommunityController(CommunityService communities) {
    this.communities = communities;
  }

  /** The webhook receivers of a community, one per enabled plugin. */
  public record Hooks(List<String> hooks) {}

  @Operation(
      operationId = "putCommunity",
      summary = "Create or replace a community and its plugins",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = true,
              content = @Content(schema = @Schema(implementation = CommunityView.class))),
      responses = {
        @ApiResponse(responseCode = "201", description = "The community was created."),
        @ApiResponse(responseCode = "200", description = "The community was replaced."),
        @ApiResponse(responseCode = "400", ref = BAD_REQUEST),
        @ApiResponse(
            responseCode = "409",
            ref = CONFLICT,
            description = "A plugin it drops has open processes.")
      })
  @PutMapping(path = "/{slug}", consumes = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<CommunityView> put(@PathVariable String slug, @RequestBody JsonNode body) {
    Saved saved = communities.put(slug, body);
    return ResponseEntity.status(saved.created() ? HttpStatus.CREATED : HttpStatus.OK)
        .body(saved.community());
  }

  @Operation(
      operationId = "createCommunity",
      summary = "Create a community under a slug the service chooses",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = true,
              content = @Content(schema = @Schema(implementation = CommunityView.class))),
      responses = {
        @ApiResponse(
            responseCode = "201",
            description = "The community was created; Location names it.",
            headers =
                @Header(
                    name = "Location",
                    required = true,
                    description = "/api/internal/community/{slug}",
                    schema = @Schema(type = "string"))),
        @ApiResponse(responseCode = "400", ref = BAD_REQUEST),
        @ApiResponse(responseCode = "403", ref = FORBIDDEN),
        @ApiResponse(responseCode = "409", ref = CONFLICT)
      })
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<CommunityView> create(@RequestBody JsonNode body) {
    CommunityView community = communities.create(body);
    return ResponseEntity.created(URI.create("/api/internal/community/" + community.name()))
        .body(community);
  }

  @Operation(
      operationId = "getCommunity",
      summary = "Read a community and its plugins (secrets read as ********)",
      responses = {
        @ApiResponse(responseCode = "200", description = "The community."),
        @ApiResponse(responseCode = "404", ref = NOT_FOUND)
      })
  @GetMapping("/{slug}")
  public CommunityView get(@PathVariable String slug) {
    return communities.get(slug);
  }

  @Operation(
      operationId = "deleteCommunity",
      summary = "Delete a community",
      responses = {
        @ApiResponse(responseCode = "204", description = "The community was deleted."),
        @ApiResponse(responseCode = "404", ref = NOT_FOUND),
        @ApiResponse(
            responseCode = "409",
            ref = CONFLICT,
            description = "The community has open processes.")
      })
  // The answer has no body, so a client that accepts only the problem document of a failure is
  // served too.
  @DeleteMapping(
      path = "/{slug}",
      produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_PROBLEM_JSON_VALUE})
  public ResponseEntity<Void> delete(@PathVariable String slug) {
    communities.delete(slug);
    return ResponseEntity.noContent().build();
  }

  @Operation(
      operationId = "getCommunityHooks",
      summary = "List the community's webhook receivers",
      responses = {
        @ApiResponse(responseCode = "200", description = "The receivers' paths."),
        @ApiResponse(responseCode = "404", ref = NOT_FOUND)
      })
  @GetMapping("/{slug}/hooks")
  public Hooks hooks(@PathVariable String slug) {
    return new Hooks(communities.hooks(slug));
  }
}
