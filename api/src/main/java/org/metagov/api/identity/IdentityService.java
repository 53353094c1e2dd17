package org.metagov.api.identity;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.FieldError;
import org.metagov.activities.plugin.Identities;
import org.metagov.activities.plugin.LinkQuality;
import org.metagov.activities.plugin.LinkType;
import org.metagov.activities.plugin.Schemas;
import org.metagov.api.community.CommunityService;
import org.metagov.api.identity.IdentityRepository.AccountFilter;
import org.metagov.api.identity.IdentityRepository.AccountKey;
import org.metagov.api.identity.IdentityRepository.StoredAccount;
import org.metagov.api.problem.ApiException;
import org.metagov.api.security.CommunityAccess;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The gateway's linked-accounts API over PostgreSQL: a community's Metagov ids and the platform
 * accounts linked to them. Everything happens within one community, named in the request (or by the
 * community header) and checked against the Driver's token like every other community. A platform
 * account is linked to at most one id of a community; merging two ids moves the accounts of one to
 * the other, which then no longer exists.
 */
@Service
public class IdentityService implements Identities {

  /** The most ids one create_id or filter_users_by_account call handles. */
  static final int MAX_IDS_PER_CALL = 1000;

  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,18}");

  private static final String ID =
      """
      {"type": ["integer", "string"], "minimum": 1, "maximum": 999999999999999999, "pattern": "^[0-9]{1,18}$"}""";
  private static final String COMMUNITY =
      """
      {"type": ["string", "null"], "maxLength": 100}""";
  private static final String PLATFORM_TYPE =
      """
      {"type": "string", "minLength": 1, "maxLength": 100}""";
  private static final String PLATFORM_IDENTIFIER =
      """
      {"type": "string", "minLength": 1, "maxLength": 500}""";
  private static final String COMMUNITY_PLATFORM_ID =
      """
      {"type": ["string", "null"], "maxLength": 200}""";

  private static final JsonNode CREATE_SCHEMA =
      Schemas.schema(
          """
      {"type": "object", "properties": {"community_slug": %s,
       "count": {"type": ["integer", "null"], "minimum": 1, "maximum": %d}}}
      """
              .formatted(COMMUNITY, MAX_IDS_PER_CALL));
  private static final JsonNode MERGE_SCHEMA =
      Schemas.schema(
          """
      {"type": "object", "properties": {"community_slug": %s, "primary_instance_id": %s, "secondary_instance_id": %s},
       "required": ["primary_instance_id", "secondary_instance_id"]}
      """
              .formatted(COMMUNITY, ID, ID));
  private static final JsonNode LINK_SCHEMA =
      Schemas.schema(
          """
      {"type": "object", "properties": {"community_slug": %s, "external_id": %s, "platform_type": %s,
       "platform_identifier": %s, "community_platform_id": %s, "custom_data": {"type": ["object", "null"]},
       "link_type": {"enum": %s}, "link_quality": {"enum": %s}},
       "required": ["external_id", "platform_type", "platform_identifier"]}
      """
              .formatted(
                  COMMUNITY,
                  ID,
                  PLATFORM_TYPE,
                  PLATFORM_IDENTIFIER,
                  COMMUNITY_PLATFORM_ID,
                  withNull(LinkType.wireNames()),
                  withNull(LinkQuality.wireNames())));
  private static final JsonNode UNLINK_SCHEMA =
      Schemas.schema(
          """
      {"type": "object", "properties": {"community_slug": %s, "platform_type": %s, "platform_identifier": %s,
       "community_platform_id": %s},
       "required": ["platform_type", "platform_identifier"]}
      """
              .formatted(COMMUNITY, PLATFORM_TYPE, PLATFORM_IDENTIFIER, COMMUNITY_PLATFORM_ID));

  private final IdentityRepository repository;
  private final CommunityService communities;

  public IdentityService(IdentityRepository repository, CommunityService communities) {
    this.repository = repository;
    this.communities = communities;
  }

  /**
   * A linked account as Drivers read it: the gateway's field names. {@code custom_data} is always
   * an object; it is typed JsonNode because springdoc inspects an ObjectNode component as a bean,
   * fails, and documents the view as {}.
   */
  public record LinkedAccountView(
      long external_id,
      String community,
      String community_platform_id,
      String platform_type,
      String platform_identifier,
      JsonNode custom_data,
      LinkType link_type,
      LinkQuality link_quality) {

    static LinkedAccountView of(StoredAccount account) {
      return new LinkedAccountView(
          account.externalId(),
          account.community(),
          account.key().communityPlatformId(),
          account.key().platformType(),
          account.key().platformIdentifier(),
          account.customData(),
          account.linkType(),
          account.linkQuality());
    }
  }

  /**
   * The gateway's identity data object: an id and every account linked to it. {@code primary_ID}
   * equals {@code source_ID}, because a merged id does not live on beside the one it was merged
   * into.
   */
  public record IdentityView(
      long source_ID, long primary_ID, List<LinkedAccountView> linked_accounts) {}

  /**
   * Which community a request names: the body's or query's own field, or else the community header.
   */
  public record CommunityName(String field, String named, String header) {

    String resolve() {
      boolean hasNamed = named != null && !named.isBlank();
      boolean hasHeader = header != null && !header.isBlank();
      if (!hasNamed && !hasHeader) {
        throw new ApiException(
            HttpStatus.BAD_REQUEST,
            "missing_community",
            "Name the community with " + field + " or the X-Metagov-Community header.",
            List.of(new FieldError(field, "is required")));
      }
      if (hasNamed && hasHeader && !named.equals(header)) {
        throw new ApiException(
            HttpStatus.BAD_REQUEST,
            "community_mismatch",
            "The "
                + field
                + " ("
                + named
                + ") and the X-Metagov-Community header ("
                + header
                + ") name different communities.",
            List.of(new FieldError(field, "differs from the X-Metagov-Community header")));
      }
      return hasNamed ? named : header;
    }
  }

  @Transactional
  public List<Long> createIds(JsonNode body, String header) {
    Schemas.requireValid(CREATE_SCHEMA, body, "", "The create_id request");
    String community =
        lockCommunity(new CommunityName("community_slug", text(body, "community_slug"), header));
    JsonNode count = body.get("count");
    return repository.createIds(community, count == null || count.isNull() ? 1 : count.asInt());
  }

  @Transactional
  public IdentityView merge(JsonNode body, String header) {
    Schemas.requireValid(MERGE_SCHEMA, body, "", "The merge_ids request");
    String community =
        lockCommunity(new CommunityName("community_slug", text(body, "community_slug"), header));
    long primary = id(body.get("primary_instance_id"));
    long secondary = id(body.get("secondary_instance_id"));
    if (primary == secondary) {
      throw ApiException.invalid(
          "An id cannot be merged into itself.",
          List.of(new FieldError("secondary_instance_id", "equals primary_instance_id")));
    }
    List<Long> found = repository.lockIds(community, List.of(primary, secondary));
    requireIds(community, List.of(primary, secondary), found);
    repository.merge(community, secondary, primary);
    return views(community, List.of(primary)).get(0);
  }

  @Transactional
  public LinkedAccountView link(JsonNode body, String header) {
    Schemas.requireValid(LINK_SCHEMA, body, "", "The link_account request");
    String community =
        new CommunityName("community_slug", text(body, "community_slug"), header).resolve();
    AccountKey key = key(body);
    // The gateway refuses to link an account of a platform the community has not enabled; so does
    // this.
    communities.lockEnabledPlugin(community, key.platformType());
    long externalId = id(body.get("external_id"));
    if (!repository.lockIdShared(community, externalId)) {
      throw idNotFound(community, List.of(externalId));
    }
    JsonNode customData = body.get("custom_data");
    Optional<StoredAccount> linked =
        repository.insertAccount(
            community,
            externalId,
            key,
            customData instanceof ObjectNode o ? o : Json.object(),
            optional(body, "link_type").map(LinkType::fromWireName).orElse(LinkType.UNKNOWN),
            optional(body, "link_quality")
                .map(LinkQuality::fromWireName)
                .orElse(LinkQuality.UNKNOWN));
    return LinkedAccountView.of(linked.orElseThrow(() -> alreadyLinked(community, key)));
  }

  @Transactional
  public boolean unlink(JsonNode body, String header) {
    Schemas.requireValid(UNLINK_SCHEMA, body, "", "The unlink_account request");
    String community =
        lockCommunity(new CommunityName("community_slug", text(body, "community_slug"), header));
    AccountKey key = key(body);
    StoredAccount account =
        repository.lockAccount(community, key).orElseThrow(() -> accountNotFound(community, key));
    repository.deleteAccount(account.rowId());
    return true;
  }

  @Transactional(readOnly = true)
  public IdentityView user(CommunityName name, String externalId) {
    String community = readableCommunity(name);
    long id = queryId("external_id", externalId);
    requireIds(community, List.of(id), repository.existing(community, List.of(id)));
    return views(community, List.of(id)).get(0);
  }

  @Transactional(readOnly = true)
  public List<IdentityView> users(CommunityName name, AccountFilter filter) {
    String community = readableCommunity(name);
    return views(
        community,
        filter.empty()
            ? repository.ids(community)
            : repository.idsWithAccounts(community, filter, null));
  }

  @Transactional(readOnly = true)
  public List<IdentityView> filterUsers(
      CommunityName name, List<String> externalIdList, AccountFilter filter) {
    String community = readableCommunity(name);
    if (externalIdList == null) {
      throw new ApiException(
          HttpStatus.BAD_REQUEST,
          "invalid_parameter",
          "The query parameter external_id_list is required.",
          List.of(new FieldError("external_id_list", "is required")));
    }
    Set<Long> ids = new LinkedHashSet<>();
    for (String entry : externalIdList) {
      for (String part : entry.replace("[", "").replace("]", "").split(",")) {
        if (!part.isBlank()) {
          ids.add(queryId("external_id_list", part.trim()));
        }
      }
    }
    if (ids.size() > MAX_IDS_PER_CALL) {
      throw new ApiException(
          HttpStatus.BAD_REQUEST,
          "invalid_parameter",
          "The external_id_list may name at most " + MAX_IDS_PER_CALL + " ids.",
          List.of(
              new FieldError("external_id_list", "has more than " + MAX_IDS_PER_CALL + " ids")));
    }
    if (ids.isEmpty()) {
      return List.of();
    }
    requireIds(community, ids, repository.existing(community, ids));
    if (filter.empty()) {
      return views(community, List.copyOf(ids));
    }
    Set<Long> matching = Set.copyOf(repository.idsWithAccounts(community, filter, ids));
    return views(community, ids.stream().filter(matching::contains).toList());
  }

  /** The id's account on the platform (and space), or empty when it has none there. */
  @Transactional(readOnly = true)
  public Optional<LinkedAccountView> linkedAccount(
      CommunityName name, String externalId, String platformType, String communityPlatformId) {
    String community = readableCommunity(name);
    long id = queryId("external_id", externalId);
    if (platformType == null || platformType.isBlank()) {
      throw new ApiException(
          HttpStatus.BAD_REQUEST,
          "invalid_parameter",
          "The query parameter platform_type is required.",
          List.of(new FieldError("platform_type", "is required")));
    }
    requireIds(community, List.of(id), repository.existing(community, List.of(id)));
    String space = blankToNull(communityPlatformId);
    return repository.accountsOf(community, List.of(id)).stream()
        .filter(
            account ->
                account.key().platformType().equals(platformType)
                    && Objects.equals(account.key().communityPlatformId(), space))
        .findFirst()
        .map(LinkedAccountView::of);
  }

  /** A filter from query parameters; unknown link types and qualities are refused. */
  public static AccountFilter filter(
      String platformType,
      String communityPlatformId,
      String linkType,
      String linkQuality,
      String platformIdentifier) {
    List<FieldError> errors = new ArrayList<>();
    LinkType type = null;
    LinkQuality quality = null;
    if (blankToNull(linkType) != null) {
      type = LinkType.parse(linkType).orElse(null);
      if (type == null) {
        errors.add(new FieldError("link_type", "must be one of " + LinkType.wireNames()));
      }
    }
    if (blankToNull(linkQuality) != null) {
      quality = LinkQuality.parse(linkQuality).orElse(null);
      if (quality == null) {
        errors.add(new FieldError("link_quality", "must be one of " + LinkQuality.wireNames()));
      }
    }
    if (!errors.isEmpty()) {
      throw new ApiException(
          HttpStatus.BAD_REQUEST,
          "invalid_parameter",
          "The query parameter " + errors.get(0).path() + " " + errors.get(0).message() + ".",
          errors);
    }
    return new AccountFilter(
        blankToNull(platformType),
        blankToNull(communityPlatformId),
        type,
        quality,
        blankToNull(platformIdentifier));
  }

  @Override
  @Transactional
  public long recordAccount(String community, PlatformAccount account) {
    if (!repository.lockCommunity(community)) {
      throw new IllegalArgumentException("There is no community named " + community + ".");
    }
    AccountKey key =
        new AccountKey(
            Objects.requireNonNull(account.platformType(), "platformType"),
            blankToNull(account.communityPlatformId()),
            Objects.requireNonNull(account.platformIdentifier(), "platformIdentifier"));
    LinkType type = account.linkType() == null ? LinkType.UNKNOWN : account.linkType();
    LinkQuality quality =
        account.linkQuality() == null ? LinkQuality.UNKNOWN : account.linkQuality();
    while (true) {
      Optional<StoredAccount> existing = repository.lockAccount(community, key);
      if (existing.isPresent()) {
        StoredAccount stored = existing.get();
        if (quality.higherThan(stored.linkQuality())) {
          repository.updateLink(
              stored.rowId(),
              account.customData() == null ? stored.customData() : account.customData(),
              type,
              quality);
        }
        return stored.externalId();
      }
      long id = repository.createIds(community, 1).get(0);
      if (repository
          .insertAccount(
              community,
              id,
              key,
              account.customData() == null ? Json.object() : account.customData(),
              type,
              quality)
          .isPresent()) {
        return id;
      }
      // Another caller linked the account meanwhile (and has committed): its id stands, and this
      // one goes.
      repository.deleteId(community, id);
    }
  }

  private List<IdentityView> views(String community, List<Long> ids) {
    Map<Long, List<LinkedAccountView>> accounts = new LinkedHashMap<>();
    ids.forEach(id -> accounts.put(id, new ArrayList<>()));
    for (StoredAccount account : repository.accountsOf(community, ids)) {
      accounts.get(account.externalId()).add(LinkedAccountView.of(account));
    }
    return accounts.entrySet().stream()
        .map(
            entry ->
                new IdentityView(entry.getKey(), entry.getKey(), List.copyOf(entry.getValue())))
        .toList();
  }

  /**
   * The community of a change, held until the transaction ends; 404 for one that is unknown or not
   * the Driver's.
   */
  private String lockCommunity(CommunityName name) {
    String community = name.resolve();
    if (!allowed(community) || !repository.lockCommunity(community)) {
      throw communityNotFound(community);
    }
    return community;
  }

  /** The community of a read; 404 for one that is unknown or not the Driver's. */
  private String readableCommunity(CommunityName name) {
    String community = name.resolve();
    if (!allowed(community) || !communities.exists(community)) {
      throw communityNotFound(community);
    }
    return community;
  }

  private static boolean allowed(String community) {
    return CommunityService.SLUG.matcher(community).matches() && CommunityAccess.allowed(community);
  }

  private static ApiException communityNotFound(String community) {
    return ApiException.notFound(
        "community_not_found", "There is no community named " + community + ".");
  }

  private static void requireIds(String community, Collection<Long> wanted, List<Long> found) {
    List<Long> missing = wanted.stream().filter(id -> !found.contains(id)).toList();
    if (!missing.isEmpty()) {
      throw idNotFound(community, missing);
    }
  }

  private static ApiException idNotFound(String community, List<Long> ids) {
    return ApiException.notFound(
        "metagov_id_not_found",
        "The community "
            + community
            + " has no Metagov id "
            + ids.stream().map(String::valueOf).collect(Collectors.joining(", "))
            + ".");
  }

  private ApiException alreadyLinked(String community, AccountKey key) {
    String owner =
        repository
            .lockAccount(community, key)
            .map(a -> " to the Metagov id " + a.externalId())
            .orElse("");
    return ApiException.conflict(
        "account_already_linked",
        "The "
            + key.platformType()
            + " account "
            + key.platformIdentifier()
            + space(key)
            + " is already linked"
            + owner
            + " in "
            + community
            + "; unlink it first to link it to another id.");
  }

  private ApiException accountNotFound(String community, AccountKey key) {
    List<String> spaces =
        repository.spacesOf(community, key.platformType(), key.platformIdentifier());
    String hint =
        spaces.isEmpty()
            ? ""
            : " It is linked with community_platform_id "
                + spaces.stream()
                    .map(s -> s == null ? "(none)" : s)
                    .collect(Collectors.joining(", "))
                + "; name that one.";
    return ApiException.notFound(
        "account_not_found",
        "The community "
            + community
            + " has no linked "
            + key.platformType()
            + " account "
            + key.platformIdentifier()
            + space(key)
            + "."
            + hint);
  }

  private static String space(AccountKey key) {
    return key.communityPlatformId() == null
        ? ""
        : " (community_platform_id " + key.communityPlatformId() + ")";
  }

  private static AccountKey key(JsonNode body) {
    return new AccountKey(
        body.get("platform_type").asString(),
        optional(body, "community_platform_id").orElse(null),
        body.get("platform_identifier").asString());
  }

  /** An id the schema already checked: a whole number, or its digits as text. */
  private static long id(JsonNode value) {
    return value.isString() ? Long.parseLong(value.asString()) : value.asLong();
  }

  private static long queryId(String parameter, String value) {
    if (value == null || value.isBlank()) {
      throw new ApiException(
          HttpStatus.BAD_REQUEST,
          "invalid_parameter",
          "The query parameter " + parameter + " is required.",
          List.of(new FieldError(parameter, "is required")));
    }
    if (!DIGITS.matcher(value).matches()) {
      throw new ApiException(
          HttpStatus.BAD_REQUEST,
          "invalid_parameter",
          "The query parameter "
              + parameter
              + " must hold Metagov ids, which are whole numbers (got '"
              + (value.length() > 40 ? value.substring(0, 40) + "..." : value)
              + "').",
          List.of(new FieldError(parameter, "is not a whole number")));
    }
    return Long.parseLong(value);
  }

  private static Optional<String> optional(JsonNode body, String field) {
    JsonNode value = body.get(field);
    return value == null || value.isNull()
        ? Optional.empty()
        : Optional.ofNullable(blankToNull(value.asString()));
  }

  private static String text(JsonNode body, String field) {
    JsonNode value = body.get(field);
    return value == null || value.isNull() ? null : value.asString();
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  private static String withNull(List<String> wireNames) {
    List<String> values = new ArrayList<>(wireNames.stream().map(Json::write).toList());
    values.add("null");
    return "[" + String.join(", ", values) + "]";
  }
}
