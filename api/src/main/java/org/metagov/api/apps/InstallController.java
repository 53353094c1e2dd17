package org.metagov.api.apps;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.plugin.FieldError;
import org.metagov.activities.plugin.Identities;
import org.metagov.activities.plugin.Identities.PlatformAccount;
import org.metagov.activities.plugin.InstalledApp;
import org.metagov.activities.plugin.InstalledApp.InstallRefusedException;
import org.metagov.activities.plugin.LinkQuality;
import org.metagov.activities.plugin.LinkType;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.api.apps.InstallStates.Pending;
import org.metagov.api.apps.InstallStates.Taken;
import org.metagov.api.catalogue.OpenApiContract;
import org.metagov.api.community.CommunityService;
import org.metagov.api.config.MetagovProperties;
import org.metagov.api.problem.ApiException;
import org.metagov.api.security.CommunityAccess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OAuth install flow of installed apps (Slack, GitHub, Discord).
 *
 * <p>{@code GET /auth/{plugin}/authorize} is a Driver call, authenticated like the rest of the
 * Driver API: the Driver names the community, its {@code redirect_uri} (which must be on the {@code
 * METAGOV_INSTALL_REDIRECT_URIS} allow-list) and an opaque {@code state}, and gets the platform's
 * authorize URL, carrying a single-use, expiring server-side state, to send the installing user's
 * browser to (a 302, or JSON when asked for). Only a Driver can thus start binding a workspace to
 * one of its communities. {@code GET /auth/{plugin}/callback} is where the platform sends the
 * browser back: it takes the state once, exchanges the code, stores the installation as the
 * community's plugin config and redirects to the Driver with {@code community} and the Driver's
 * {@code state}, plus {@code error} (and {@code error_description}) when the install failed.
 */
@Tag(name = OpenApiContract.APPS)
@RestController
public class InstallController {

  private static final Logger log = LoggerFactory.getLogger(InstallController.class);
  private static final Pattern PLATFORM_ERROR = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final int MAX_DRIVER_STATE = 1000;
  private static final Pattern ENCODED_DOT_OR_SLASH = Pattern.compile("(?i)%2e|%2f|%5c|\\\\");

  private final PluginRegistry registry;
  private final InstallStates states;
  private final InstallProperties properties;
  private final CommunityService communities;
  private final PlatformHttp http;
  private final String publicUrl;
  private final Identities identities;

  public InstallController(
      PluginRegistry registry,
      InstallStates states,
      InstallProperties properties,
      CommunityService communities,
      PlatformHttp http,
      MetagovProperties metagov,
      Identities identities) {
    this.identities = identities;
    this.registry = registry;
    this.states = states;
    this.properties = properties;
    this.communities = communities;
    this.http = http;
    this.publicUrl = metagov.publicUrl().replaceAll("/+$", "");
  }

  /** Where to send the installing user's browser, for a Driver that asked for JSON. */
  public record Authorization(String authorize_url, String expires_at) {}

  @Operation(
      operationId = "authorizeInstall",
      summary = "Start installing a platform app into a community",
      responses = {
        @ApiResponse(
            responseCode = "200",
            description = "With Accept: application/json, the platform's authorize URL.",
            content =
                @Content(
                    mediaType = MediaType.APPLICATION_JSON_VALUE,
                    schema = @Schema(implementation = Authorization.class))),
        @ApiResponse(
            responseCode = "302",
            description = "Otherwise, a redirect to the platform's authorize URL.",
            headers =
                @Header(name = "Location", required = true, schema = @Schema(type = "string"))),
        @ApiResponse(responseCode = "400", ref = OpenApiContract.BAD_REQUEST),
        @ApiResponse(responseCode = "404", ref = OpenApiContract.NOT_FOUND)
      })
  @GetMapping(path = "/auth/{plugin}/authorize")
  public ResponseEntity<Authorization> authorize(
      @PathVariable String plugin,
      @RequestParam(required = false) String community,
      @RequestParam(name = "redirect_uri", required = false) String redirectUri,
      @RequestParam(required = false) String state,
      @RequestParam(required = false) String type,
      HttpServletRequest request) {
    InstalledApp app = app(plugin);
    if (type != null && !type.equals("app")) {
      throw ApiException.badRequest(
          "unsupported_auth_type",
          "Only app installs (type=app) are supported; user login through a platform is not.");
    }
    if (community == null || community.isBlank()) {
      throw new ApiException(
          HttpStatus.BAD_REQUEST,
          "missing_community",
          "Name the community to install into with ?community=<slug>.",
          List.of(new FieldError("community", "is required")));
    }
    if (!CommunityService.SLUG.matcher(community).matches()
        || !CommunityAccess.allowed(community)
        || !communities.exists(community)) {
      throw ApiException.notFound(
          "community_not_found", "There is no community named " + community + ".");
    }
    requireAllowedRedirect(redirectUri);
    if (state != null && state.length() > MAX_DRIVER_STATE) {
      throw new ApiException(
          HttpStatus.BAD_REQUEST,
          "state_too_long",
          "The state may be at most " + MAX_DRIVER_STATE + " characters.",
          List.of(new FieldError("state", "is longer than " + MAX_DRIVER_STATE + " characters")));
    }
    Instant expiresAt = Instant.now().plus(properties.stateTtl());
    String token = states.create(new Pending(plugin, community, redirectUri, state), expiresAt);
    URI authorizeUrl = app.authorizeUrl(token, callbackUrl(plugin, request));
    String accept = request.getHeader(HttpHeaders.ACCEPT);
    if (accept != null && accept.contains(MediaType.APPLICATION_JSON_VALUE)) {
      return ResponseEntity.ok(new Authorization(authorizeUrl.toString(), expiresAt.toString()));
    }
    return ResponseEntity.status(HttpStatus.FOUND).location(authorizeUrl).build();
  }

  @Operation(
      operationId = "installCallback",
      summary = "Where the platform sends the installing user's browser back",
      description =
          "Browsers follow this, not Drivers; it ends with a redirect to the Driver's redirect_uri.",
      responses = {
        @ApiResponse(
            responseCode = "302",
            description = "Back to the Driver, with community, state and any error.",
            headers =
                @Header(name = "Location", required = true, schema = @Schema(type = "string"))),
        @ApiResponse(responseCode = "400", ref = OpenApiContract.BAD_REQUEST),
        @ApiResponse(responseCode = "404", ref = OpenApiContract.NOT_FOUND)
      })
  @GetMapping(path = "/auth/{plugin}/callback")
  public ResponseEntity<Void> callback(
      @PathVariable String plugin,
      @RequestParam(required = false) String state,
      @RequestParam(required = false) String error,
      HttpServletRequest request) {
    InstalledApp app = app(plugin);
    Taken taken = states.take(plugin, state);
    if (taken.pending() == null) {
      // Nothing trustworthy says where to send the browser: a forged state, or one for another
      // plugin.
      throw ApiException.badRequest(
          "invalid_state",
          "This install link is not valid; start the install again from the Driver.");
    }
    Pending pending = taken.pending();
    if (taken.refusal() != null) {
      return backToDriver(
          pending,
          taken.refusal() == InstallStates.Refusal.USED ? "state_already_used" : "state_expired",
          taken.refusal() == InstallStates.Refusal.USED
              ? "This install link was already used."
              : "This install link expired.");
    }
    if (error != null) {
      return backToDriver(
          pending,
          PLATFORM_ERROR.matcher(error).matches() ? error : "access_denied",
          "The platform did not authorize the install.");
    }
    Map<String, String> callback = new LinkedHashMap<>();
    request
        .getParameterMap()
        .forEach(
            (name, values) -> {
              if (!name.equals("state")
                  && values.length > 0
                  && values[0].length() <= MAX_DRIVER_STATE) {
                callback.put(name, values[0]);
              }
            });
    ObjectNode config;
    try {
      config = app.install(http, callback, callbackUrl(plugin, request));
      communities.install(pending.community(), plugin, config);
    } catch (InstallRefusedException e) {
      return backToDriver(pending, e.code(), e.getMessage());
    } catch (PlatformException e) {
      log.warn(
          "Installing {} into {} failed at the platform: {}",
          plugin,
          pending.community(),
          e.getMessage());
      return backToDriver(
          pending,
          "platform_unavailable",
          "The platform could not complete the install; try again.");
    } catch (ApiException e) {
      return backToDriver(pending, e.code(), e.getMessage());
    }
    log.info("Installed {} into the community {}.", plugin, pending.community());
    recordInstaller(pending.community(), plugin, app, config);
    return backToDriver(pending, null, null);
  }

  /**
   * Links the installing user's platform account in the community, as the gateway did. The
   * installation is already stored by then and stands even if this fails: the Driver can link the
   * account itself.
   */
  private void recordInstaller(
      String community, String plugin, InstalledApp app, ObjectNode config) {
    String installer = app.installerAccount(config);
    if (installer == null || installer.isBlank()) {
      return;
    }
    try {
      identities.recordAccount(
          community,
          new PlatformAccount(
              plugin,
              installer,
              config.path(app.installationKeyField()).asString(null),
              null,
              LinkType.OAUTH,
              LinkQuality.STRONG_CONFIRM));
    } catch (RuntimeException e) {
      log.warn(
          "Installed {} into {}, but could not record the installing user's account.",
          plugin,
          community,
          e);
    }
  }

  private InstalledApp app(String pluginName) {
    Plugin plugin = registry.find(pluginName).orElse(null);
    InstalledApp app = plugin == null ? null : plugin.installedApp();
    if (app == null) {
      throw ApiException.notFound(
          "plugin_not_installable", "There is no installable app named " + pluginName + ".");
    }
    if (!app.configured()) {
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "app_not_configured",
          "The "
              + pluginName
              + " app's credentials are not configured on this deployment; see the README.");
    }
    return app;
  }

  private URI callbackUrl(String plugin, HttpServletRequest request) {
    String base =
        publicUrl.isBlank()
            ? UriComponentsBuilder.fromUriString(request.getRequestURL().toString())
                .replacePath("")
                .replaceQuery(null)
                .build()
                .toUriString()
            : publicUrl;
    return URI.create(base + "/auth/" + plugin + "/callback");
  }

  /**
   * The Driver's redirect must be on the allow-list: same scheme, host and port, and a path under
   * the listed one.
   */
  private void requireAllowedRedirect(String redirectUri) {
    if (redirectUri == null || redirectUri.isBlank()) {
      throw new ApiException(
          HttpStatus.BAD_REQUEST,
          "missing_redirect_uri",
          "Pass the Driver's redirect_uri.",
          List.of(new FieldError("redirect_uri", "is required")));
    }
    if (!allowed(redirectUri, properties.redirectUris())) {
      throw new ApiException(
          HttpStatus.BAD_REQUEST,
          "redirect_uri_not_allowed",
          "The redirect_uri is not on this deployment's allow-list (METAGOV_INSTALL_REDIRECT_URIS).",
          List.of(new FieldError("redirect_uri", "is not allowed")));
    }
  }

  static boolean allowed(String candidate, List<String> allowList) {
    URI uri;
    try {
      uri = new URI(candidate);
    } catch (java.net.URISyntaxException e) {
      return false;
    }
    if (!uri.isAbsolute()
        || uri.getRawUserInfo() != null
        || uri.getRawFragment() != null
        || uri.getHost() == null
        || !("https".equalsIgnoreCase(uri.getScheme())
            || "http".equalsIgnoreCase(uri.getScheme()))) {
      return false;
    }
    String path = uri.normalize().getRawPath() == null ? "" : uri.normalize().getRawPath();
    // Dot segments, spelled plainly or percent-encoded (which browsers decode), could climb out of
    // the listed path.
    if (!path.equals(uri.getRawPath()) || ENCODED_DOT_OR_SLASH.matcher(path).find()) {
      return false;
    }
    for (String entry : allowList) {
      try {
        URI allowedUri = new URI(entry.trim());
        String allowedPath = allowedUri.getRawPath() == null ? "" : allowedUri.getRawPath();
        if (uri.getScheme().equalsIgnoreCase(allowedUri.getScheme())
            && uri.getHost().equalsIgnoreCase(allowedUri.getHost())
            && uri.getPort() == allowedUri.getPort()
            && (path.equals(allowedPath)
                || path.startsWith(allowedPath.endsWith("/") ? allowedPath : allowedPath + "/")
                || allowedPath.isEmpty())) {
          return true;
        }
      } catch (java.net.URISyntaxException e) {
        log.warn("Ignoring a METAGOV_INSTALL_REDIRECT_URIS entry that is not a URI.");
      }
    }
    return false;
  }

  private static ResponseEntity<Void> backToDriver(
      Pending pending, String error, String description) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("community", pending.community());
    if (pending.driverState() != null) {
      params.put("state", pending.driverState());
    }
    if (error != null) {
      params.put("error", error);
      params.put("error_description", description);
    }
    StringBuilder target = new StringBuilder(pending.redirectUri());
    char separator = pending.redirectUri().contains("?") ? '&' : '?';
    for (Map.Entry<String, String> param : params.entrySet()) {
      target
          .append(separator)
          .append(param.getKey())
          .append('=')
          .append(
              java.net.URLEncoder.encode(
                  param.getValue(), java.nio.charset.StandardCharsets.UTF_8));
      separator = '&';
    }
    return ResponseEntity.status(HttpStatus.FOUND).location(URI.create(target.toString())).build();
  }
}
