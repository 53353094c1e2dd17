package org.metagov.api.community;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.regex.Pattern;
import org.metagov.activities.plugin.AuthType;
import org.metagov.activities.plugin.FieldError;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.activities.plugin.Schemas;
import org.metagov.api.apps.AppInstallations;
import org.metagov.api.community.CommunityRepository.StoredCommunity;
import org.metagov.api.community.CommunityRepository.StoredPlugin;
import org.metagov.api.config.MetagovProperties;
import org.metagov.api.problem.ApiException;
import org.metagov.api.process.ProcessRepository;
import org.metagov.api.security.CommunityAccess;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The community rules of the Driver API: a declarative plugin set whose every config is validated
 * (with defaults filled) before anything changes, secrets kept when the redaction placeholder comes
 * back (and the URLs they are sent to did not change), and each change applied in one transaction.
 */
@Service
public class CommunityService {

  public static final Pattern SLUG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,99}");

  private static final JsonNode REQUEST_SCHEMA =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$"},
         "slug": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$"},
         "readable_name": {"type": ["string", "null"], "maxLength": 500},
         "plugins": {"type": ["array", "null"], "maxItems": 100,
           "items": {"type": "object",
             "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100}, "config": {"type": ["object", "null"]},
               "id": {"type": "integer"}, "community": {"type": "string"}, "auth_type": {"type": "string"}},
             "required": ["name"], "additionalProperties": false}}
       },
       "additionalProperties": false}
      """);

  private final CommunityRepository repository;
  private final PluginRegistry registry;
  private final CommunityPluginContexts contexts;
  private final ProcessRepository processes;
  private final String publicUrl;
  private final org.metagov.activities.delivery.OutboundUrlPolicy urlPolicy;
  private final SecureRandom random = new SecureRandom();
  private final AppInstallations installations;
  private final PluginTeardowns teardowns;

  public CommunityService(
      CommunityRepository repository,
      PluginRegistry registry,
      CommunityPluginContexts contexts,
      ProcessRepository processes,
      org.metagov.activities.delivery.OutboundUrlPolicy urlPolicy,
      AppInstallations installations,
      PluginTeardowns teardowns,
      MetagovProperties metagov) {
    this.installations = installations;
    this.teardowns = teardowns;
    this.repository = repository;
    this.registry = registry;
    this.contexts = contexts;
    this.processes = processes;
    this.publicUrl = metagov.publicUrl();
    this.urlPolicy = urlPolicy;
  }

  /**
   * A community as Drivers see it: secrets redacted; {@code slug} repeats {@code name} under the
   * gateway's key.
   */
  public record CommunityView(
      String name, String slug, String readable_name, List<PluginView> plugins) {}

  /**
   * An enabled plugin as Drivers see it, with the gateway's read-only fields: its stable {@code
   * id}, its {@code community} and its {@code auth_type}.
   */
  public record PluginView(
      long id, String name, JsonNode config, String community, AuthType auth_type) {}

  public record Saved(CommunityView community, boolean created) {}

  /**
   * A plugin enabled or reconfigured on its own; {@code created} when it was not enabled before.
   */
  public record SavedPlugin(PluginView plugin, boolean created) {}

  public CommunityView get(String slug) {
    return view(find(slug));
  }

  @Transactional
  public Saved put(String slug, JsonNode body) {
    requireSlug(slug);
    CommunityAccess.require(slug);
    validateShape(body);
    for (String field : List.of("name", "slug")) {
      String named = body.path(field).asString(null);
      if (named != null && !named.equals(slug)) {
        throw new ApiException(
            org.springframework.http.HttpStatus.BAD_REQUEST,
            "name_mismatch",
            "The body's "
                + field
                + " ("
                + named
                + ") must equal the community slug in the path ("
                + slug
                + ").",
            List.of(new FieldError(field, "must equal the path slug " + slug)));
      }
    }
    // Inserting first means a community that another request creates meanwhile is locked and
    // checked
    // below like any existing one, instead of having its plugins replaced unchecked by the upsert.
    boolean inserted = repository.insert(slug, readableName(body));
    StoredCommunity existing = inserted ? null : repository.lock(slug).orElse(null);
    List<StoredPlugin> plugins =
        resolvePlugins(body.path("plugins"), existing, slug, i -> "plugins[" + i + "]");
    if (existing != null) {
      for (StoredPlugin removed : existing.plugins()) {
        if (plugins.stream().noneMatch(p -> p.name().equals(removed.name()))) {
          requireNoOpenProcesses(slug, removed.name());
        }
      }
    }
    boolean created = repository.upsert(slug, readableName(body)) || inserted;
    store(slug, plugins, existing);
    return new Saved(get(slug), created);
  }

  @Transactional
  public CommunityView create(JsonNode body) {
    validateShape(body);
    String name = body.path("name").asString(null);
    String chosen = body.path("slug").asString(null);
    if (name != null && chosen != null && !name.equals(chosen)) {
      throw new ApiException(
          org.springframework.http.HttpStatus.BAD_REQUEST,
          "name_mismatch",
          "The body's name ("
              + name
              + ") and slug ("
              + chosen
              + ") must be the same community slug.",
          List.of(new FieldError("slug", "must equal the name " + name)));
    }
    String slug = chosen != null ? chosen : name;
    if (slug == null) {
      slug = HexFormat.of().formatHex(randomBytes());
    }
    if (!CommunityAccess.allowed(slug)) {
      throw new ApiException(
          org.springframework.http.HttpStatus.FORBIDDEN,
          "community_not_allowed",
          "This Driver token may not create the community " + slug + ".");
    }
    List<StoredPlugin> plugins =
        resolvePlugins(body.path("plugins"), null, slug, i -> "plugins[" + i + "]");
    if (!repository.insert(slug, readableName(body))) {
      throw ApiException.conflict(
          "community_exists",
          "A community named "
              + slug
              + " already exists; use PUT /api/internal/community/"
              + slug
              + " to change it.");
    }
    store(slug, plugins, null);
    return get(slug);
  }

  /**
   * Enables one plugin, or changes its config, leaving the community's other plugins as they are
   * (the gateway's {@code POST /api/internal/plugin/{name}}). The config goes through the same
   * validation, secret restoring and {@link Plugin#onEnable} as in a PUT of the whole community; a
   * reconfigured plugin keeps its id.
   */
  @Transactional
  public SavedPlugin enablePlugin(String slug, String pluginName, JsonNode config) {
    requireCommunityHeader(slug);
    Plugin plugin = registry.find(pluginName).orElseThrow(() -> pluginNotFound(pluginName));
    if (config != null && !config.isNull() && !config.isMissingNode() && !config.isObject()) {
      throw ApiException.invalid(
          "The body must be the plugin's config, a JSON object.",
          List.of(new FieldError("config", "must be an object")));
    }
    StoredCommunity existing = find(slug, repository::lock);
    ObjectNode entry = org.metagov.activities.json.Json.object();
    entry.put("name", plugin.name());
    if (config instanceof ObjectNode object) {
      entry.set("config", object);
    }
    StoredPlugin resolved =
        resolvePlugins(
                org.metagov.activities.json.Json.MAPPER.createArrayNode().add(entry),
                existing,
                slug,
                i -> "")
            .get(0);
    List<StoredPlugin> plugins =
        new ArrayList<>(
            existing.plugins().stream().filter(p -> !p.name().equals(pluginName)).toList());
    plugins.add(resolved);
    boolean created = existing.plugin(pluginName).isEmpty();
    store(slug, plugins, existing);
    PluginView view =
        get(slug).plugins().stream()
            .filter(p -> p.name().equals(pluginName))
            .findFirst()
            .orElseThrow();
    return new SavedPlugin(view, created);
  }

  /**
   * Disables the plugin with this id (the gateway's {@code DELETE
   * /api/internal/plugin/{name}/{id}}) the way a PUT without it does: refused while it has open
   * processes, torn down after the commit. An id that is not the named plugin's, or that the
   * Driver's token may not see, is not found.
   */
  @Transactional
  public void disablePlugin(String pluginName, long id) {
    ApiException notFound =
        ApiException.notFound(
            "plugin_not_found",
            "There is no enabled "
                + pluginName
                + " plugin with the id "
                + id
                + "; GET /api/internal/community/{slug} lists a community's plugins with their ids.");
    CommunityRepository.PluginRef ref =
        repository
            .findPlugin(id)
            .filter(
                found ->
                    found.plugin().equals(pluginName) && CommunityAccess.allowed(found.community()))
            .orElseThrow(() -> notFound);
    StoredCommunity existing = repository.lock(ref.community()).orElseThrow(() -> notFound);
    // Read again under the lock: a concurrent change may have disabled it, or enabled it anew with
    // another id.
    if (existing.plugin(pluginName).filter(p -> p.id() == id).isEmpty()) {
      throw notFound;
    }
    requireNoOpenProcesses(existing.slug(), pluginName);
    store(
        existing.slug(),
        existing.plugins().stream().filter(p -> !p.name().equals(pluginName)).toList(),
        existing);
  }

  private void requireNoOpenProcesses(String slug, String pluginName) {
    long open = processes.countOpen(slug, pluginName);
    if (open > 0) {
      throw ApiException.conflict(
          "plugin_has_open_processes",
          "The plugin "
              + pluginName
              + " has "
              + open
              + " open process(es) in "
              + slug
              + "; close them or wait for them to end before disabling it. Nothing was changed.");
    }
  }

  @Transactional
  public void delete(String slug) {
    CommunityAccess.require(slug);
    if (repository.lock(slug).isEmpty()) {
      throw communityNotFound(slug);
    }
    long open = processes.countOpen(slug, null);
    if (open > 0) {
      throw ApiException.conflict(
          "community_has_open_processes",
          "The community "
              + slug
              + " has "
              + open
              + " open process(es); close them or wait for them to end before deleting it.");
    }
    teardowns.queue(
        slug,
        repository
            .find(slug)
            .map(c -> c.plugins().stream().map(StoredPlugin::name).toList())
            .orElse(List.of()));
    repository.delete(slug);
  }

  public boolean exists(String slug) {
    return repository.exists(slug);
  }

  /**
   * Stores an installed app's installation as the community's plugin config, as the install
   * callback found it. A reinstall into the same installation refreshes the tokens and keeps the
   * rest of the config; a community holds one installation of an app, so a different one is refused
   * (409) until the first is uninstalled.
   */
  @Transactional
  public void install(String slug, String pluginName, ObjectNode installation) {
    StoredCommunity existing = repository.lock(slug).orElseThrow(() -> communityNotFound(slug));
    Plugin plugin = registry.find(pluginName).orElseThrow();
    String keyField = plugin.installedApp().installationKeyField();
    ObjectNode config =
        existing
            .plugin(pluginName)
            .map(p -> p.config().deepCopy())
            .orElse(org.metagov.activities.json.Json.object());
    String before = config.path(keyField).asString(null);
    String after = installation.path(keyField).asString(null);
    if (before != null && !before.equals(after)) {
      throw ApiException.conflict(
          "already_installed",
          "The community "
              + slug
              + " already has "
              + pluginName
              + " installed for another installation ("
              + before
              + "); uninstall it first.");
    }
    config.setAll(installation);
    ObjectNode filled = Schemas.withDefaults(plugin.configSchema(), config);
    List<FieldError> errors = Schemas.validate(plugin.configSchema(), filled, "config");
    if (!errors.isEmpty()) {
      throw ApiException.invalid(
          "The platform's installation does not fit the plugin's config: "
              + errors.get(0).message(),
          errors);
    }
    List<StoredPlugin> plugins =
        new ArrayList<>(
            existing.plugins().stream().filter(p -> !p.name().equals(pluginName)).toList());
    plugins.add(new StoredPlugin(pluginName, filled));
    store(slug, plugins, existing);
  }

  /**
   * Forgets an installation that the platform says was removed (the app uninstalled, its tokens
   * revoked): the plugin is disabled for the community that held it, even with open processes,
   * which cannot reach the platform any more and end with an error on their next platform call. The
   * plugin is not torn down ({@link Plugin#onDisable} does not run): the platform has already
   * removed the installation and its tokens. False when no community held it.
   */
  @Transactional
  public boolean uninstalled(String slug, String pluginName, String installationKey) {
    StoredCommunity existing = repository.lock(slug).orElse(null);
    Plugin plugin = registry.find(pluginName).orElse(null);
    if (existing == null || plugin == null || plugin.installedApp() == null) {
      return false;
    }
    String keyField = plugin.installedApp().installationKeyField();
    boolean held =
        existing
            .plugin(pluginName)
            .map(p -> installationKey.equals(p.config().path(keyField).asString(null)))
            .orElse(false);
    if (!held) {
      return false;
    }
    // The platform already removed the installation and its tokens: there is nothing left to tear
    // down there.
    store(
        slug,
        existing.plugins().stream().filter(p -> !p.name().equals(pluginName)).toList(),
        existing,
        false);
    return true;
  }

  /**
   * Writes a community's new plugin set: plugins it no longer has are queued for teardown (their
   * config and state copied first), installations follow their configs, and changed plugins prepare
   * their platform.
   */
  private void store(String slug, List<StoredPlugin> plugins, StoredCommunity existing) {
    store(slug, plugins, existing, true);
  }

  private void store(
      String slug, List<StoredPlugin> plugins, StoredCommunity existing, boolean tearDownRemoved) {
    if (existing != null && tearDownRemoved) {
      teardowns.queue(
          slug,
          existing.plugins().stream()
              .map(StoredPlugin::name)
              .filter(name -> plugins.stream().noneMatch(p -> p.name().equals(name)))
              .toList());
    }
    repository.replacePlugins(slug, plugins);
    for (StoredPlugin plugin : plugins) {
      installations.follow(slug, plugin.name(), plugin.config());
    }
    enableChanged(slug, plugins, existing);
  }

  public List<String> hooks(String slug) {
    StoredCommunity community = find(slug);
    List<String> hooks = new ArrayList<>();
    for (StoredPlugin plugin : community.plugins()) {
      hooks.add(hookPath(slug, plugin));
    }
    return hooks;
  }

  private static String hookPath(String slug, StoredPlugin plugin) {
    String webhookSlug = plugin.config().path("webhook_slug").asString(null);
    return "/api/hooks/"
        + slug
        + "/"
        + plugin.name()
        + (webhookSlug == null || webhookSlug.isBlank() ? "" : "/" + webhookSlug);
  }

  /**
   * Lets each newly enabled or reconfigured plugin prepare its platform (register a webhook, say).
   * It runs inside the transaction, so a platform refusal leaves nothing changed.
   */
  private void enableChanged(String slug, List<StoredPlugin> plugins, StoredCommunity existing) {
    for (StoredPlugin plugin : plugins) {
      JsonNode before =
          existing == null
              ? null
              : existing.plugin(plugin.name()).map(StoredPlugin::config).orElse(null);
      if (plugin.config().equals(before)) {
        continue;
      }
      String webhookUrl =
          publicUrl.isBlank() ? null : publicUrl.replaceAll("/+$", "") + hookPath(slug, plugin);
      registry
          .find(plugin.name())
          .orElseThrow()
          .onEnable(contexts.context(slug, plugin), webhookUrl);
    }
  }

  /** An enabled plugin of a community, ready to run. */
  public record EnabledPlugin(Plugin plugin, org.metagov.activities.plugin.PluginContext context) {}

  /**
   * Finds a plugin for a Driver request: 404 for an unknown community or plugin, 400 for a plugin
   * the community has not enabled.
   */
  public EnabledPlugin enabledPlugin(String slug, String pluginName) {
    requireCommunityHeader(slug);
    return enabled(find(slug, repository::find), pluginName);
  }

  /**
   * Like {@link #enabledPlugin}, and the answer holds until the caller's transaction ends: the
   * community row stays locked shared. Deleting the community or disabling a plugin locks the row
   * exclusively before counting open processes, so it waits for this transaction and then counts
   * what it inserted.
   */
  @Transactional(propagation = Propagation.MANDATORY)
  public EnabledPlugin lockEnabledPlugin(String slug, String pluginName) {
    requireCommunityHeader(slug);
    return enabled(find(slug, repository::lockShared), pluginName);
  }

  /**
   * Refuses a community that cannot be named here (no header, not a slug, or outside the caller's
   * token) with the answer a missing community gets, without reading the database.
   */
  public void requireAddressable(String slug) {
    requireCommunityHeader(slug);
    if (!SLUG.matcher(slug).matches() || !CommunityAccess.allowed(slug)) {
      throw communityNotFound(slug);
    }
  }

  /**
   * Why a plugin cannot be used in a community, read after a write that needed it enabled found it
   * was not: the community does not exist (404) or the plugin is not enabled there (400).
   */
  public ApiException notEnabled(String slug, String pluginName) {
    return repository
        .pluginEnabled(slug, pluginName)
        .map(enabled -> pluginNotEnabled(slug, pluginName))
        .orElseGet(() -> communityNotFound(slug));
  }

  private EnabledPlugin enabled(StoredCommunity community, String pluginName) {
    String slug = community.slug();
    Plugin plugin = registry.find(pluginName).orElseThrow(() -> pluginNotFound(pluginName));
    StoredPlugin stored =
        community.plugin(pluginName).orElseThrow(() -> pluginNotEnabled(slug, pluginName));
    return new EnabledPlugin(plugin, contexts.context(slug, stored));
  }

  public static ApiException pluginNotEnabled(String slug, String pluginName) {
    return ApiException.badRequest(
        "plugin_not_enabled",
        "The plugin "
            + pluginName
            + " is not enabled for the community "
            + slug
            + "; add it with PUT /api/internal/community/"
            + slug
            + ".");
  }

  /** A blank X-Metagov-Community header is as good as none: 400, not "no community named ''". */
  public static void requireCommunityHeader(String slug) {
    if (slug == null || slug.isBlank()) {
      throw new ApiException(
          org.springframework.http.HttpStatus.BAD_REQUEST,
          "missing_community_header",
          "The X-Metagov-Community header is required: set it to the community slug.",
          List.of(new FieldError("header.X-Metagov-Community", "is required")));
    }
  }

  private StoredCommunity find(String slug) {
    return find(slug, repository::find);
  }

  private StoredCommunity find(String slug, Function<String, Optional<StoredCommunity>> load) {
    if (slug == null || !SLUG.matcher(slug).matches() || !CommunityAccess.allowed(slug)) {
      throw communityNotFound(slug);
    }
    return load.apply(slug).orElseThrow(() -> communityNotFound(slug));
  }

  public static ApiException pluginNotFound(String pluginName) {
    return ApiException.notFound(
        "plugin_not_found",
        "There is no plugin named " + pluginName + "; GET /api/internal/plugins lists them.");
  }

  public static ApiException communityNotFound(String slug) {
    return ApiException.notFound(
        "community_not_found", "There is no community named " + slug + ".");
  }

  private static void requireSlug(String slug) {
    if (!SLUG.matcher(slug).matches()) {
      throw ApiException.invalid(
          "The community slug must be 1 to 100 letters, digits, '-' or '_', starting with a letter or digit.",
          List.of(new FieldError("name", "is not a valid slug")));
    }
  }

  private static void validateShape(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw ApiException.invalid(
          "The body must be a JSON object with name, readable_name and plugins.",
          List.of(new FieldError("$", "must be an object")));
    }
    List<FieldError> errors = Schemas.validate(REQUEST_SCHEMA, body, "");
    if (!errors.isEmpty()) {
      throw ApiException.invalid(
          "The community is invalid: " + errors.get(0).path() + " " + errors.get(0).message(),
          errors);
    }
  }

  private static String readableName(JsonNode body) {
    JsonNode name = body.get("readable_name");
    return name == null || name.isNull() ? "" : name.asString();
  }

  /**
   * Validates every plugin entry, collecting all failures, before anything is written. An entry may
   * carry the gateway's read-only fields as a Driver read them ({@code id}, {@code community},
   * {@code auth_type}); each must agree with what is stored. {@code entryPath} names entry i in
   * error paths ("" when the entry is the request).
   */
  private List<StoredPlugin> resolvePlugins(
      JsonNode entries, StoredCommunity existing, String slug, IntFunction<String> entryPath) {
    List<FieldError> errors = new ArrayList<>();
    List<FieldError> reentry = new ArrayList<>();
    List<StoredPlugin> resolved = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      JsonNode entry = entries.get(i);
      String entryPrefix = entryPath.apply(i);
      String path = entryPrefix.isEmpty() ? "" : entryPrefix + ".";
      String name = entry.path("name").asString();
      Plugin plugin = registry.find(name).orElse(null);
      if (plugin == null) {
        errors.add(new FieldError(path + "name", "there is no plugin named " + name));
        continue;
      }
      if (!seen.add(name)) {
        errors.add(new FieldError(path + "name", "the plugin " + name + " is listed twice"));
        continue;
      }
      StoredPlugin enabled = existing == null ? null : existing.plugin(name).orElse(null);
      List<FieldError> readOnly = readOnlyFieldErrors(entry, path, plugin, enabled, slug);
      if (!readOnly.isEmpty()) {
        errors.addAll(readOnly);
        continue;
      }
      path = path + "config";
      JsonNode submitted = entry.get("config");
      ObjectNode config =
          submitted instanceof ObjectNode o ? o : org.metagov.activities.json.Json.object();
      JsonNode stored = enabled == null ? null : enabled.config();
      try {
        config = Schemas.restoreSecrets(plugin.configSchema(), config, stored, path);
      } catch (Schemas.SecretReentryRequiredException e) {
        reentry.addAll(e.secrets());
        errors.addAll(e.errors().stream().filter(error -> !e.secrets().contains(error)).toList());
        continue;
      } catch (org.metagov.activities.plugin.InvalidInputException e) {
        errors.addAll(e.errors());
        continue;
      }
      config = withWebhookSlug(plugin, config, stored);
      ObjectNode filled = Schemas.withDefaults(plugin.configSchema(), config);
      List<FieldError> configErrors =
          new ArrayList<>(Schemas.validate(plugin.configSchema(), filled, path));
      String serverUrlPath = path + ".server_url";
      if (filled.path("server_url").isString()) {
        // The same rules as callbacks: http(s) only, no credentials, and no internal address where
        // denied.
        urlPolicy
            .violation(filled.get("server_url").asString())
            .ifPresent(problem -> configErrors.add(new FieldError(serverUrlPath, problem)));
      }
      if (!configErrors.isEmpty()) {
        errors.addAll(configErrors);
        continue;
      }
      resolved.add(new StoredPlugin(name, filled));
    }
    if (!reentry.isEmpty()) {
      // A stored secret is only ever sent to the URL it was entered with.
      List<FieldError> all = new ArrayList<>(reentry);
      all.addAll(errors);
      throw new ApiException(
          org.springframework.http.HttpStatus.BAD_REQUEST,
          "secret_reentry_required",
          "A URL that decides where a stored secret is sent changed, but the secret came back as the placeholder \""
              + Schemas.SECRET_PLACEHOLDER
              + "\"; send the real value of "
              + String.join(", ", reentry.stream().map(FieldError::path).toList())
              + " again together with the new URL. Nothing was changed.",
          all);
    }
    if (!errors.isEmpty()) {
      throw ApiException.invalid(
          "The community's plugins are invalid; nothing was changed. First problem: "
              + errors.get(0).path()
              + " "
              + errors.get(0).message(),
          errors);
    }
    return resolved;
  }

  /**
   * Where the read-only fields of a plugin entry disagree with the community, the plugin and its
   * stored id.
   */
  private static List<FieldError> readOnlyFieldErrors(
      JsonNode entry, String path, Plugin plugin, StoredPlugin enabled, String slug) {
    List<FieldError> errors = new ArrayList<>();
    JsonNode community = entry.get("community");
    if (community != null && !community.asString().equals(slug)) {
      errors.add(
          new FieldError(
              path + "community", "must be the community " + slug + " (it is read-only)"));
    }
    JsonNode authType = entry.get("auth_type");
    if (authType != null && !authType.asString().equals(plugin.authType().wireName())) {
      errors.add(
          new FieldError(
              path + "auth_type",
              "must be "
                  + plugin.authType().wireName()
                  + " for "
                  + plugin.name()
                  + " (it is read-only)"));
    }
    JsonNode id = entry.get("id");
    if (id != null && (enabled == null || enabled.id() == null || id.asLong() != enabled.id())) {
      errors.add(
          new FieldError(
              path + "id",
              enabled == null
                  ? "names a plugin that is not enabled; leave id out to enable " + plugin.name()
                  : "must be "
                      + enabled.id()
                      + ", the id of the enabled "
                      + plugin.name()
                      + " (it is read-only)"));
    }
    return errors;
  }

  /**
   * A plugin whose platform cannot sign its webhooks gets an unguessable {@code webhook_slug} when
   * its config has none: the one stored before, or a new one. {@code GET .../hooks} shows the path
   * to use.
   */
  private ObjectNode withWebhookSlug(Plugin plugin, ObjectNode config, JsonNode stored) {
    if (plugin.webhookHandler() == null
        || plugin.webhookHandler().verifiesSender()
        || config.hasNonNull("webhook_slug")) {
      return config;
    }
    ObjectNode withSlug = config.deepCopy();
    JsonNode previous = stored == null ? null : stored.get("webhook_slug");
    withSlug.put(
        "webhook_slug",
        previous != null && previous.isString()
            ? previous.asString()
            : HexFormat.of().formatHex(randomBytes()));
    return withSlug;
  }

  private CommunityView view(StoredCommunity community) {
    List<PluginView> plugins =
        community.plugins().stream()
            .map(
                p -> {
                  Plugin plugin = registry.find(p.name()).orElse(null);
                  JsonNode config =
                      plugin == null
                          ? org.metagov.activities.json.Json.object()
                          : Schemas.redact(plugin.configSchema(), p.config());
                  return new PluginView(
                      p.id(),
                      p.name(),
                      config,
                      community.slug(),
                      plugin == null ? AuthType.NONE : plugin.authType());
                })
            .toList();
    return new CommunityView(community.slug(), community.slug(), community.readableName(), plugins);
  }

  private byte[] randomBytes() {
    byte[] bytes = new byte[8];
    random.nextBytes(bytes);
    return bytes;
  }
}
