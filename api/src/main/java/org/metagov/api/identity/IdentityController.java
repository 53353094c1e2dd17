package org.metagov.api.identity;

import static org.metagov.api.catalogue.OpenApiContract.BAD_REQUEST;
import static org.metagov.api.catalogue.OpenApiContract.CONFLICT;
import static org.metagov.api.catalogue.OpenApiContract.NOT_FOUND;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.Map;
import org.metagov.api.catalogue.OpenApiContract;
import org.metagov.api.identity.IdentityService.CommunityName;
import org.metagov.api.identity.IdentityService.IdentityView;
import org.metagov.api.identity.IdentityService.LinkedAccountView;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * The Metagov gateway's identity API, at its paths and with its parameter names and answers:
 * Metagov ids of a community and the platform accounts linked to them. The community is named by
 * {@code community_slug} in a body or {@code community} in a query, as the gateway had it, or by
 * the X-Metagov-Community header.
 */
@Tag(name = OpenApiContract.IDENTITY)
@RestController
@RequestMapping(path = "/api/internal/identity", produces = MediaType.APPLICATION_JSON_VALUE)
public class IdentityController {

  private static final String COMMUNITY_HEADER = "X-Metagov-Community";
  private static final String HEADER_DESCRIPTION =
      "The community, when the body or query does not name it.";

  private final IdentityService identities;

  public IdentityController(IdentityService identities) {
    this.identities = identities;
  }

  /** The body of create_id. */
  public record CreateIdRequest(
      String community_slug,
      @Schema(minimum = "1", maximum = "1000", defaultValue = "1") Integer count) {}

  /** The body of merge_ids. */
  public record MergeIdsRequest(
      String community_slug,
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) long primary_instance_id,
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) long secondary_instance_id) {}

  /** The body of link_account. */
  public record LinkAccountRequest(
      String community_slug,
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) long external_id,
      @Schema(
              requiredMode = Schema.RequiredMode.REQUIRED,
              description = "The name of a plugin the community has enabled.")
          String platform_type,
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String platform_identifier,
      String community_platform_id,
      Map<String, Object> custom_data,
      @Schema(
              allowableValues = {"oauth", "manual admin", "email matching", "unknown"},
              defaultValue = "unknown")
          String link_type,
      @Schema(
              allowableValues = {
                "confirmed (strong)",
                "confirmed (weak)",
                "unconfirmed",
                "unknown"
              },
              defaultValue = "unknown")
          String link_quality) {}

  /** The body of unlink_account. */
  public record UnlinkAccountRequest(
      String community_slug,
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String platform_type,
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String platform_identifier,
      String community_platform_id) {}

  @Operation(
      operationId = "createId",
      summary = "Create Metagov ids",
      description =
          "Creates count (default 1, at most 1000) new Metagov ids in the"
              + " community and answers them. Ids are whole numbers unique within their community.",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = true,
              content = @Content(schema = @Schema(implementation = CreateIdRequest.class))))
  @ApiResponse(
      responseCode = "201",
      description = "The new ids.",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON_VALUE,
              array = @ArraySchema(schema = @Schema(type = "integer", format = "int64"))))
  @ApiResponse(
      responseCode = "400",
      ref = BAD_REQUEST,
      description = "The body is invalid or names no community.")
  @ApiResponse(
      responseCode = "404",
      ref = NOT_FOUND,
      description = "There is no such community (for this Driver token).")
  @PostMapping(path = "/create_id", consumes = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<List<Long>> createId(
      @RequestBody JsonNode body,
      @Parameter(description = HEADER_DESCRIPTION)
          @RequestHeader(name = COMMUNITY_HEADER, required = false)
          String header) {
    return ResponseEntity.status(HttpStatus.CREATED).body(identities.createIds(body, header));
  }

  @Operation(
      operationId = "mergeIds",
      summary = "Merge two Metagov ids",
      description =
          "Moves every account linked to secondary_instance_id to"
              + " primary_instance_id and deletes secondary_instance_id; answers the merged user.",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = true,
              content = @Content(schema = @Schema(implementation = MergeIdsRequest.class))))
  @ApiResponse(responseCode = "200", description = "The merged user.")
  @ApiResponse(
      responseCode = "400",
      ref = BAD_REQUEST,
      description = "The body is invalid, names no community, or names one id twice.")
  @ApiResponse(
      responseCode = "404",
      ref = NOT_FOUND,
      description = "There is no such community, or no such id in it.")
  @PostMapping(path = "/merge_ids", consumes = MediaType.APPLICATION_JSON_VALUE)
  public IdentityView mergeIds(
      @RequestBody JsonNode body,
      @Parameter(description = HEADER_DESCRIPTION)
          @RequestHeader(name = COMMUNITY_HEADER, required = false)
          String header) {
    return identities.merge(body, header);
  }

  @Operation(
      operationId = "linkAccount",
      summary = "Link a platform account to a Metagov id",
      description =
          "A platform account is linked to at"
              + " most one id of a community; platform_type must be a plugin the community has enabled.",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = true,
              content = @Content(schema = @Schema(implementation = LinkAccountRequest.class))))
  @ApiResponse(responseCode = "200", description = "The linked account.")
  @ApiResponse(
      responseCode = "400",
      ref = BAD_REQUEST,
      description =
          "The body is invalid, names no community, or names a plugin the"
              + " community has not enabled.")
  @ApiResponse(
      responseCode = "404",
      ref = NOT_FOUND,
      description = "There is no such community, plugin, or id.")
  @ApiResponse(
      responseCode = "409",
      ref = CONFLICT,
      description = "The account is already linked in this community.")
  @PostMapping(path = "/link_account", consumes = MediaType.APPLICATION_JSON_VALUE)
  public LinkedAccountView linkAccount(
      @RequestBody JsonNode body,
      @Parameter(description = HEADER_DESCRIPTION)
          @RequestHeader(name = COMMUNITY_HEADER, required = false)
          String header) {
    return identities.link(body, header);
  }

  @Operation(
      operationId = "unlinkAccount",
      summary = "Unlink a platform account",
      description = "Deletes the link; answers true.",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = true,
              content = @Content(schema = @Schema(implementation = UnlinkAccountRequest.class))))
  @ApiResponse(
      responseCode = "200",
      description = "The account was unlinked.",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON_VALUE,
              schema = @Schema(type = "boolean")))
  @ApiResponse(
      responseCode = "400",
      ref = BAD_REQUEST,
      description = "The body is invalid or names no community.")
  @ApiResponse(
      responseCode = "404",
      ref = NOT_FOUND,
      description = "There is no such community, or no such linked account in it.")
  @PostMapping(path = "/unlink_account", consumes = MediaType.APPLICATION_JSON_VALUE)
  public boolean unlinkAccount(
      @RequestBody JsonNode body,
      @Parameter(description = HEADER_DESCRIPTION)
          @RequestHeader(name = COMMUNITY_HEADER, required = false)
          String header) {
    return identities.unlink(body, header);
  }

  @Operation(
      operationId = "getUser",
      summary = "Get a user",
      description = "The Metagov id and every account linked to it.")
  @ApiResponse(responseCode = "200", description = "The user.")
  @ApiResponse(
      responseCode = "400",
      ref = BAD_REQUEST,
      description = "external_id is missing or not a whole number, or no community is named.")
  @ApiResponse(
      responseCode = "404",
      ref = NOT_FOUND,
      description = "There is no such community, or no such id in it.")
  @GetMapping("/get_user")
  public IdentityView getUser(
      @RequestParam(name = "external_id", required = false) String externalId,
      @RequestParam(required = false) String community,
      @Parameter(description = HEADER_DESCRIPTION)
          @RequestHeader(name = COMMUNITY_HEADER, required = false)
          String header) {
    return identities.user(new CommunityName("community", community, header), externalId);
  }

  @Operation(
      operationId = "getUsers",
      summary = "Get a community's users",
      description =
          "Every Metagov id of the community, or, with any filter,"
              + " those with at least one linked account that matches every filter given.")
  @ApiResponse(responseCode = "200", description = "The users, by ascending id.")
  @ApiResponse(
      responseCode = "400",
      ref = BAD_REQUEST,
      description = "A filter is invalid, or no community is named.")
  @ApiResponse(responseCode = "404", ref = NOT_FOUND, description = "There is no such community.")
  @GetMapping("/get_users")
  public List<IdentityView> getUsers(
      @RequestParam(required = false) String community,
      @RequestParam(name = "platform_type", required = false) String platformType,
      @RequestParam(name = "community_platform_id", required = false) String communityPlatformId,
      @RequestParam(name = "link_type", required = false) String linkType,
      @RequestParam(name = "link_quality", required = false) String linkQuality,
      @RequestParam(name = "platform_identifier", required = false) String platformIdentifier,
      @Parameter(description = HEADER_DESCRIPTION)
          @RequestHeader(name = COMMUNITY_HEADER, required = false)
          String header) {
    return identities.users(
        new CommunityName("community", community, header),
        IdentityService.filter(
            platformType, communityPlatformId, linkType, linkQuality, platformIdentifier));
  }

  @Operation(
      operationId = "filterUsersByAccount",
      summary = "Filter users by their accounts",
      description =
          "Of the ids in external_id_list (repeated, or"
              + " comma-separated), those with at least one linked account that matches every filter given; all of them"
              + " without filters. Answers in the order of the list.")
  @ApiResponse(responseCode = "200", description = "The matching users.")
  @ApiResponse(
      responseCode = "400",
      ref = BAD_REQUEST,
      description =
          "external_id_list is missing or holds something other than ids, a"
              + " filter is invalid, or no community is named.")
  @ApiResponse(
      responseCode = "404",
      ref = NOT_FOUND,
      description = "There is no such community, or an id of the list is not in it.")
  @GetMapping("/filter_users_by_account")
  public List<IdentityView> filterUsersByAccount(
      @RequestParam(name = "external_id_list", required = false) List<String> externalIdList,
      @RequestParam(required = false) String community,
      @RequestParam(name = "platform_type", required = false) String platformType,
      @RequestParam(name = "community_platform_id", required = false) String communityPlatformId,
      @RequestParam(name = "link_type", required = false) String linkType,
      @RequestParam(name = "link_quality", required = false) String linkQuality,
      @Parameter(description = HEADER_DESCRIPTION)
          @RequestHeader(name = COMMUNITY_HEADER, required = false)
          String header) {
    return identities.filterUsers(
        new CommunityName("community", community, header),
        externalIdList,
        IdentityService.filter(platformType, communityPlatformId, linkType, linkQuality, null));
  }

  @Operation(
      operationId = "getLinkedAccount",
      summary = "Get a user's linked account on a platform",
      description =
          "The account of the id on"
              + " platform_type (and community_platform_id, when given), or {} when the id has none there.")
  @ApiResponse(
      responseCode = "200",
      description = "The linked account, or {}.",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON_VALUE,
              schema = @Schema(implementation = LinkedAccountView.class)))
  @ApiResponse(
      responseCode = "400",
      ref = BAD_REQUEST,
      description = "external_id or platform_type is missing or invalid, or no community is named.")
  @ApiResponse(
      responseCode = "404",
      ref = NOT_FOUND,
      description = "There is no such community, or no such id in it.")
  @GetMapping("/get_linked_account")
  public Object getLinkedAccount(
      @RequestParam(name = "external_id", required = false) String externalId,
      @RequestParam(name = "platform_type", required = false) String platformType,
      @RequestParam(name = "community_platform_id", required = false) String communityPlatformId,
      @RequestParam(required = false) String community,
      @Parameter(description = HEADER_DESCRIPTION)
          @RequestHeader(name = COMMUNITY_HEADER, required = false)
          String header) {
    return identities
        .linkedAccount(
            new CommunityName("community", community, header),
            externalId,
            platformType,
            communityPlatformId)
        .<Object>map(account -> account)
        .orElse(Map.of());
  }
}
