package org.metagov.api.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.Identities;
import org.metagov.activities.plugin.Identities.PlatformAccount;
import org.metagov.activities.plugin.LinkQuality;
import org.metagov.activities.plugin.LinkType;
import org.metagov.api.IntegrationTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The gateway's identity API ({@code /api/internal/identity/...}): every endpoint's answer and
 * every error, ids of two communities kept apart, merging, the upgrade-only link quality, and
 * racing links.
 */
class IdentityApiTest extends IntegrationTest {

  private static final String PLUGINS =
      "[{\"name\": \"randomness\"}, {\"name\": \"sourcecred\", \"config\": {\"server_url\": \"http://127.0.0.1:9/\"}}]";

  @Autowired JdbcClient jdbc;

  @Autowired Identities identities;

  private String community() {
    String slug = uniqueSlug("identity");
    putCommunity(slug, PLUGINS);
    return slug;
  }

  private List<Long> createIds(String community, int count) {
    Response response =
        post(
            "/api/internal/identity/create_id",
            "{\"community_slug\": \"" + community + "\", \"count\": " + count + "}");
    assertThat(response.status()).as(response.body()).isEqualTo(201);
    List<Long> ids = new ArrayList<>();
    response.json().forEach(id -> ids.add(id.asLong()));
    return ids;
  }

  private Response link(
      String community, long externalId, String platform, String identifier, String extra) {
    return post(
        "/api/internal/identity/link_account",
        "{\"community_slug\": \""
            + community
            + "\", \"external_id\": "
            + externalId
            + ", \"platform_type\": \""
            + platform
            + "\", \"platform_identifier\": \""
            + identifier
            + "\""
            + extra
            + "}");
  }

  private JsonNode linked(
      String community, long externalId, String platform, String identifier, String extra) {
    Response response = link(community, externalId, platform, identifier, extra);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.json();
  }

  private static String q(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private long storedAccounts(String community, String platform, String identifier) {
    return jdbc.sql(
            "select count(*) from linked_account where community_slug = ? and platform_type = ? and platform_identifier = ?")
        .params(community, platform, identifier)
        .query(Long.class)
        .single();
  }

  private List<Long> ids(JsonNode users) {
    List<Long> ids = new ArrayList<>();
    users.forEach(user -> ids.add(user.path("source_ID").asLong()));
    return ids;
  }

  @Test
  void createIdAnswersNewIdsThatGetUsersLists() {
    String community = community();
    List<Long> three = createIds(community, 3);
    assertThat(three).hasSize(3).doesNotHaveDuplicates().allMatch(id -> id > 0);

    Response one =
        post("/api/internal/identity/create_id", "{\"community_slug\": \"" + community + "\"}");
    assertThat(one.status()).isEqualTo(201);
    assertThat(one.json().isArray()).isTrue();
    assertThat(one.json()).hasSize(1);
    long fourth = one.json().get(0).asLong();
    assertThat(three).doesNotContain(fourth);

    Response byHeader =
        send("POST", "/api/internal/identity/create_id", "{}", COMMUNITY_HEADER, community);
    assertThat(byHeader.status()).as(byHeader.body()).isEqualTo(201);

    JsonNode users = get("/api/internal/identity/get_users?community=" + community).json();
    assertThat(users).hasSize(5);
    assertThat(ids(users)).containsAll(three).contains(fourth, byHeader.json().get(0).asLong());
    assertThat(users.get(0))
        .isEqualTo(
            json(
                "{\"source_ID\": "
                    + three.get(0)
                    + ", \"primary_ID\": "
                    + three.get(0)
                    + ", \"linked_accounts\": []}"));
    assertThat(
            jdbc.sql("select count(*) from metagov_id where community_slug = ?")
                .param(community)
                .query(Long.class)
                .single())
        .isEqualTo(5);
  }

  @Test
  void createIdRefusesBadInput() {
    String community = community();
    String path = "/api/internal/identity/create_id";
    assertThat(
            errorPaths(
                assertProblem(
                    post(path, "{\"community_slug\": \"" + community + "\", \"count\": 0}"),
                    400,
                    "validation_failed")))
        .containsExactly("count");
    assertThat(
            errorPaths(
                assertProblem(
                    post(path, "{\"community_slug\": \"" + community + "\", \"count\": 1001}"),
                    400,
                    "validation_failed")))
        .containsExactly("count");
    assertThat(
            errorPaths(
                assertProblem(
                    post(path, "{\"community_slug\": \"" + community + "\", \"count\": \"two\"}"),
                    400,
                    "validation_failed")))
        .containsExactly("count");
    assertThat(errorPaths(assertProblem(post(path, "{}"), 400, "missing_community")))
        .containsExactly("community_slug");
    assertProblem(post(path, "[1]"), 400, "validation_failed");
    assertThat(post(path, "null").status()).isEqualTo(400);
    assertProblem(post(path, "{\"community_slug\": "), 400, "malformed_json");
    assertProblem(
        send(
            "POST",
            path,
            "{\"community_slug\": \"" + community + "\"}",
            COMMUNITY_HEADER,
            "another"),
        400,
        "community_mismatch");
    assertProblem(
        post(path, "{\"community_slug\": \"no-such-community-here\"}"), 404, "community_not_found");
    assertProblem(post(path, "{\"community_slug\": \"../etc\"}"), 404, "community_not_found");
    assertThat(
            jdbc.sql("select count(*) from metagov_id where community_slug = ?")
                .param(community)
                .query(Long.class)
                .single())
        .as("nothing was created")
        .isZero();
  }

  @Test
  void linkAccountStoresTheAccountWithTheGatewaysFields() {
    String community = community();
    long id = createIds(community, 1).get(0);

    JsonNode account =
        linked(
            community,
            id,
            "sourcecred",
            "crystal_dunn",
            ", \"community_platform_id\": \"instance-1\", \"custom_data\": {\"email\": \"c@example.org\"},"
                + " \"link_type\": \"oauth\", \"link_quality\": \"confirmed (strong)\"");
    assertThat(account)
        .isEqualTo(
            json(
                "{\"external_id\": "
                    + id
                    + ", \"community\": \""
                    + community
                    + "\","
                    + " \"community_platform_id\": \"instance-1\", \"platform_type\": \"sourcecred\", \"platform_identifier\": \"crystal_dunn\","
                    + " \"custom_data\": {\"email\": \"c@example.org\"}, \"link_type\": \"oauth\", \"link_quality\": \"confirmed (strong)\"}"));

    JsonNode plain =
        linked(community, id, "randomness", "crystal_dunn", ", \"external_id\": \"" + id + "\"");
    assertThat(plain.path("community_platform_id").isNull()).isTrue();
    assertThat(plain.path("custom_data")).isEqualTo(json("{}"));
    assertThat(plain.path("link_type").asString()).isEqualTo("unknown");
    assertThat(plain.path("link_quality").asString()).isEqualTo("unknown");

    JsonNode user =
        get("/api/internal/identity/get_user?community=" + community + "&external_id=" + id).json();
    assertThat(user.path("linked_accounts")).containsExactly(account, plain);
    assertThat(
            jdbc.sql(
                    "select custom_data::text from linked_account where community_slug = ? and platform_type = 'sourcecred'")
                .param(community)
                .query(String.class)
                .single())
        .isEqualTo("{\"email\": \"c@example.org\"}");
  }

  @Test
  void linkAccountRefusesBadInputUnknownIdsAndDuplicates() {
    String community = community();
    List<Long> ids = createIds(community, 2);
    long id = ids.get(0);
    linked(community, id, "sourcecred", "megan", "");

    assertProblem(link(community, id, "sourcecred", "megan", ""), 409, "account_already_linked");
    JsonNode taken =
        assertProblem(
            link(community, ids.get(1), "sourcecred", "megan", ""), 409, "account_already_linked");
    assertThat(taken.path("detail").asString()).contains("Metagov id " + id);
    assertThat(storedAccounts(community, "sourcecred", "megan")).isEqualTo(1);
    assertThat(
            linked(
                    community,
                    ids.get(1),
                    "sourcecred",
                    "megan",
                    ", \"community_platform_id\": \"other\"")
                .path("external_id")
                .asLong())
        .as("another space of the platform is another account")
        .isEqualTo(ids.get(1));

    assertProblem(link(community, 999_999, "sourcecred", "alex", ""), 404, "metagov_id_not_found");
    assertProblem(link(community, id, "loomio", "alex", ""), 400, "plugin_not_enabled");
    assertProblem(link(community, id, "no-such-plugin", "alex", ""), 404, "plugin_not_found");
    assertProblem(
        link("no-such-community-here", id, "sourcecred", "alex", ""), 404, "community_not_found");
    assertThat(
            errorPaths(
                assertProblem(
                    link(community, id, "sourcecred", "alex", ", \"link_type\": \"telepathy\""),
                    400,
                    "validation_failed")))
        .containsExactly("link_type");
    assertThat(
            errorPaths(
                assertProblem(
                    link(community, id, "sourcecred", "alex", ", \"link_quality\": \"great\""),
                    400,
                    "validation_failed")))
        .containsExactly("link_quality");
    assertThat(
            errorPaths(
                assertProblem(
                    link(community, id, "sourcecred", "alex", ", \"custom_data\": [1]"),
                    400,
                    "validation_failed")))
        .containsExactly("custom_data");
    assertThat(
            errorPaths(
                assertProblem(
                    post(
                        "/api/internal/identity/link_account",
                        "{\"community_slug\": \""
                            + community
                            + "\", \"external_id\": \"abc\", \"platform_type\": \"sourcecred\"}"),
                    400,
                    "validation_failed")))
        .contains("external_id", "platform_identifier");
    assertProblem(
        post(
            "/api/internal/identity/link_account",
            "{\"external_id\": 1, \"platform_type\": \"sourcecred\","
                + " \"platform_identifier\": \"alex\"}"),
        400,
        "missing_community");
    assertThat(storedAccounts(community, "sourcecred", "alex")).as("nothing was linked").isZero();
  }

  @Test
  void unlinkAccountDeletesTheLinkAndAnswersTrue() {
    String community = community();
    long id = createIds(community, 1).get(0);
    linked(community, id, "sourcecred", "rose", "");
    linked(community, id, "randomness", "rose", ", \"community_platform_id\": \"space-a\"");
    String path = "/api/internal/identity/unlink_account";

    Response unlinked =
        post(
            path,
            "{\"community_slug\": \""
                + community
                + "\", \"platform_type\": \"sourcecred\", \"platform_identifier\": \"rose\"}");
    assertThat(unlinked.status()).as(unlinked.body()).isEqualTo(200);
    assertThat(unlinked.json().asBoolean()).isTrue();
    assertThat(storedAccounts(community, "sourcecred", "rose")).isZero();
    assertThat(storedAccounts(community, "randomness", "rose")).isEqualTo(1);

    assertProblem(
        post(
            path,
            "{\"community_slug\": \""
                + community
                + "\", \"platform_type\": \"sourcecred\", \"platform_identifier\": \"rose\"}"),
        404,
        "account_not_found");
    JsonNode elsewhere =
        assertProblem(
            post(
                path,
                "{\"community_slug\": \""
                    + community
                    + "\", \"platform_type\": \"randomness\", \"platform_identifier\": \"rose\"}"),
            404,
            "account_not_found");
    assertThat(elsewhere.path("detail").asString()).contains("space-a");
    assertProblem(
        post(
            path,
            "{\"community_slug\": \""
                + community
                + "\", \"platform_type\": \"randomness\", \"platform_identifier\": \"rose\","
                + " \"community_platform_id\": \"space-b\"}"),
        404,
        "account_not_found");
    assertThat(
            errorPaths(
                assertProblem(
                    post(
                        path,
                        "{\"community_slug\": \""
                            + community
                            + "\", \"platform_type\": \"randomness\"}"),
                    400,
                    "validation_failed")))
        .containsExactly("platform_identifier");
    assertProblem(
        post(
            path,
            "{\"community_slug\": \"no-such-community-here\", \"platform_type\": \"randomness\", \"platform_identifier\": \"rose\"}"),
        404,
        "community_not_found");
    assertThat(storedAccounts(community, "randomness", "rose")).isEqualTo(1);

    Response named =
        post(
            path,
            "{\"community_slug\": \""
                + community
                + "\", \"platform_type\": \"randomness\", \"platform_identifier\": \"rose\","
                + " \"community_platform_id\": \"space-a\"}");
    assertThat(named.status()).isEqualTo(200);
    assertThat(storedAccounts(community, "randomness", "rose")).isZero();
    linked(community, id, "sourcecred", "rose", "");
  }

  @Test
  void mergeIdsMovesTheAccountsAndTheMergedIdDisappears() {
    String community = community();
    List<Long> ids = createIds(community, 3);
    long primary = ids.get(0);
    long secondary = ids.get(1);
    linked(community, primary, "sourcecred", "tobin", "");
    linked(
        community, secondary, "randomness", "tobin-heath", ", \"link_type\": \"email matching\"");
    linked(community, secondary, "sourcecred", "heath", "");

    Response merged =
        post(
            "/api/internal/identity/merge_ids",
            "{\"community_slug\": \""
                + community
                + "\", \"primary_instance_id\": "
                + primary
                + ", \"secondary_instance_id\": "
                + secondary
                + "}");
    assertThat(merged.status()).as(merged.body()).isEqualTo(200);
    assertThat(merged.json().path("source_ID").asLong()).isEqualTo(primary);
    assertThat(merged.json().path("primary_ID").asLong()).isEqualTo(primary);
    List<String> identifiers = new ArrayList<>();
    merged
        .json()
        .path("linked_accounts")
        .forEach(
            a -> {
              identifiers.add(a.path("platform_identifier").asString());
              assertThat(a.path("external_id").asLong()).isEqualTo(primary);
            });
    assertThat(identifiers).containsExactlyInAnyOrder("tobin", "tobin-heath", "heath");

    assertProblem(
        get("/api/internal/identity/get_user?community=" + community + "&external_id=" + secondary),
        404,
        "metagov_id_not_found");
    assertThat(ids(get("/api/internal/identity/get_users?community=" + community).json()))
        .containsExactly(primary, ids.get(2));
    assertProblem(link(community, secondary, "sourcecred", "new", ""), 404, "metagov_id_not_found");
    assertThat(
            jdbc.sql(
                    "select count(*) from linked_account where community_slug = ? and external_id = ?")
                .params(community, primary)
                .query(Long.class)
                .single())
        .isEqualTo(3);
    assertThat(
            jdbc.sql("select count(*) from metagov_id where community_slug = ? and external_id = ?")
                .params(community, secondary)
                .query(Long.class)
                .single())
        .isZero();

    String path = "/api/internal/identity/merge_ids";
    assertProblem(
        post(
            path,
            "{\"community_slug\": \""
                + community
                + "\", \"primary_instance_id\": "
                + primary
                + ", \"secondary_instance_id\": "
                + secondary
                + "}"),
        404,
        "metagov_id_not_found");
    assertThat(
            errorPaths(
                assertProblem(
                    post(
                        path,
                        "{\"community_slug\": \""
                            + community
                            + "\", \"primary_instance_id\": "
                            + primary
                            + ", \"secondary_instance_id\": "
                            + primary
                            + "}"),
                    400,
                    "validation_failed")))
        .containsExactly("secondary_instance_id");
    assertThat(
            errorPaths(
                assertProblem(
                    post(
                        path,
                        "{\"community_slug\": \""
                            + community
                            + "\", \"primary_instance_id\": "
                            + primary
                            + "}"),
                    400,
                    "validation_failed")))
        .containsExactly("secondary_instance_id");
    assertProblem(
        post(
            path,
            "{\"community_slug\": \"no-such-community-here\", \"primary_instance_id\": 1, \"secondary_instance_id\": 2}"),
        404,
        "community_not_found");
    assertThat(ids(get("/api/internal/identity/get_users?community=" + community).json()))
        .containsExactly(primary, ids.get(2));
  }

  @Test
  void getUserAnswersTheIdentityDataObjectOrAProblem() {
    String community = community();
    long id = createIds(community, 1).get(0);
    JsonNode account = linked(community, id, "sourcecred", "crystal_dunn", "");

    Response user =
        get("/api/internal/identity/get_user?community=" + community + "&external_id=" + id);
    assertThat(user.status()).isEqualTo(200);
    assertThat(user.json())
        .isEqualTo(
            json(
                "{\"source_ID\": "
                    + id
                    + ", \"primary_ID\": "
                    + id
                    + ", \"linked_accounts\": ["
                    + Json.write(account)
                    + "]}"));
    Response byHeader =
        send(
            "GET",
            "/api/internal/identity/get_user?external_id=" + id,
            null,
            COMMUNITY_HEADER,
            community);
    assertThat(byHeader.json()).isEqualTo(user.json());

    assertProblem(
        get(
            "/api/internal/identity/get_user?community="
                + community
                + "&external_id="
                + (id + 1000)),
        404,
        "metagov_id_not_found");
    assertThat(
            errorPaths(
                assertProblem(
                    get("/api/internal/identity/get_user?community=" + community),
                    400,
                    "invalid_parameter")))
        .containsExactly("external_id");
    assertThat(
            errorPaths(
                assertProblem(
                    get(
                        "/api/internal/identity/get_user?community="
                            + community
                            + "&external_id=1e3"),
                    400,
                    "invalid_parameter")))
        .containsExactly("external_id");
    assertThat(
            errorPaths(
                assertProblem(
                    get("/api/internal/identity/get_user?external_id=" + id),
                    400,
                    "missing_community")))
        .containsExactly("community");
    assertProblem(
        get("/api/internal/identity/get_user?community=no-such-community-here&external_id=" + id),
        404,
        "community_not_found");
  }

  @Test
  void getUsersFiltersByAccount() {
    String community = community();
    List<Long> ids = createIds(community, 5);
    linked(community, ids.get(0), "sourcecred", "crystal_dunn", "");
    linked(
        community,
        ids.get(4),
        "sourcecred",
        "tobin_heath",
        ", \"link_type\": \"oauth\", \"community_platform_id\": \"c-1\"");
    linked(
        community, ids.get(4), "randomness", "tobin", ", \"link_quality\": \"confirmed (weak)\"");
    String path = "/api/internal/identity/get_users?community=" + community;

    assertThat(ids(get(path).json())).containsExactlyElementsOf(ids);
    assertThat(ids(get(path + "&platform_type=sourcecred").json()))
        .containsExactly(ids.get(0), ids.get(4));
    assertThat(ids(get(path + "&platform_type=sourcecred&link_type=oauth").json()))
        .containsExactly(ids.get(4));
    assertThat(ids(get(path + "&link_quality=" + q("confirmed (weak)")).json()))
        .containsExactly(ids.get(4));
    assertThat(ids(get(path + "&community_platform_id=c-1").json())).containsExactly(ids.get(4));
    assertThat(ids(get(path + "&platform_identifier=crystal_dunn").json()))
        .containsExactly(ids.get(0));
    assertThat(get(path + "&platform_type=loomio").json()).isEmpty();
    JsonNode withAccounts = get(path + "&platform_type=randomness").json();
    assertThat(withAccounts.get(0).path("linked_accounts"))
        .as("every account of a matching user")
        .hasSize(2);

    assertThat(
            errorPaths(assertProblem(get(path + "&link_quality=great"), 400, "invalid_parameter")))
        .containsExactly("link_quality");
    assertThat(
            errorPaths(assertProblem(get(path + "&link_type=telepathy"), 400, "invalid_parameter")))
        .containsExactly("link_type");
    assertProblem(get("/api/internal/identity/get_users"), 400, "missing_community");
    assertProblem(
        get("/api/internal/identity/get_users?community=no-such-community-here"),
        404,
        "community_not_found");
  }

  @Test
  void filterUsersByAccountKeepsTheListedUsersWithAMatchingAccount() {
    String community = community();
    List<Long> ids = createIds(community, 5);
    String list = ids.get(0) + "," + ids.get(1) + "," + ids.get(2);
    String path = "/api/internal/identity/filter_users_by_account?community=" + community;

    assertThat(ids(get(path + "&external_id_list=" + list).json()))
        .containsExactly(ids.get(0), ids.get(1), ids.get(2));
    linked(community, ids.get(0), "sourcecred", "tobin_heath", ", \"link_type\": \"oauth\"");
    linked(community, ids.get(4), "sourcecred", "midge_purce", ", \"link_type\": \"oauth\"");
    assertThat(
            ids(
                get(path
                        + "&external_id_list="
                        + list
                        + "&platform_type=sourcecred&link_type=oauth")
                    .json()))
        .as("the other matching user is not in the list")
        .containsExactly(ids.get(0));
    assertThat(
            ids(
                get(path
                        + "&external_id_list="
                        + ids.get(4)
                        + "&external_id_list="
                        + ids.get(0)
                        + "&platform_type=sourcecred")
                    .json()))
        .as("repeated parameters, answered in the list's order")
        .containsExactly(ids.get(4), ids.get(0));
    assertThat(
            ids(
                get(path + "&external_id_list=" + q("[" + ids.get(1) + ", " + ids.get(0) + "]"))
                    .json()))
        .containsExactly(ids.get(1), ids.get(0));
    assertThat(get(path + "&external_id_list=" + list + "&link_type=manual%20admin").json())
        .isEmpty();
    assertThat(get(path + "&external_id_list=").json()).isEmpty();

    JsonNode unknown =
        assertProblem(
            get(path + "&external_id_list=" + ids.get(0) + ",999999"), 404, "metagov_id_not_found");
    assertThat(unknown.path("detail").asString()).contains("999999");
    assertThat(errorPaths(assertProblem(get(path), 400, "invalid_parameter")))
        .containsExactly("external_id_list");
    assertThat(
            errorPaths(
                assertProblem(get(path + "&external_id_list=1,x"), 400, "invalid_parameter")))
        .containsExactly("external_id_list");
    assertThat(
            errorPaths(
                assertProblem(
                    get(path + "&external_id_list=1&link_quality=great"),
                    400,
                    "invalid_parameter")))
        .containsExactly("link_quality");
    assertProblem(
        get("/api/internal/identity/filter_users_by_account?external_id_list=1"),
        400,
        "missing_community");
    assertProblem(
        get(
            "/api/internal/identity/filter_users_by_account?community=no-such-community-here&external_id_list=1"),
        404,
        "community_not_found");
  }

  @Test
  void getLinkedAccountFindsTheAccountOnAPlatformOrAnswersAnEmptyObject() {
    String community = community();
    long id = createIds(community, 1).get(0);
    JsonNode plain =
        linked(community, id, "sourcecred", "tobin_heath", ", \"link_type\": \"oauth\"");
    JsonNode spaced =
        linked(
            community,
            id,
            "randomness",
            "tobin",
            ", \"community_platform_id\": \"my-collective-123\"");
    String path =
        "/api/internal/identity/get_linked_account?community=" + community + "&external_id=" + id;

    assertThat(get(path + "&platform_type=sourcecred").json()).isEqualTo(plain);
    assertThat(get(path + "&platform_type=loomio").json()).isEqualTo(json("{}"));
    assertThat(
            get(path + "&platform_type=randomness&community_platform_id=my-collective-123").json())
        .isEqualTo(spaced);
    assertThat(
            get(path + "&platform_type=randomness&community_platform_id=wrong-collective").json())
        .isEqualTo(json("{}"));
    assertThat(get(path + "&platform_type=randomness").json())
        .as("a space's account needs its space named")
        .isEqualTo(json("{}"));

    assertThat(errorPaths(assertProblem(get(path), 400, "invalid_parameter")))
        .containsExactly("platform_type");
    assertProblem(
        get(
            "/api/internal/identity/get_linked_account?community="
                + community
                + "&external_id="
                + (id + 1000)
                + "&platform_type=sourcecred"),
        404,
        "metagov_id_not_found");
    assertProblem(
        get(
            "/api/internal/identity/get_linked_account?community="
                + community
                + "&platform_type=sourcecred"),
        400,
        "invalid_parameter");
    assertProblem(
        get(
            "/api/internal/identity/get_linked_account?external_id="
                + id
                + "&platform_type=sourcecred"),
        400,
        "missing_community");
    assertProblem(
        get(
            "/api/internal/identity/get_linked_account?community=no-such-community-here&external_id="
                + id
                + "&platform_type=sourcecred"),
        404,
        "community_not_found");
  }

  @Test
  void idsThatCollideAcrossCommunitiesStayApart() {
    String first = community();
    String second = community();
    List<Long> firstIds = createIds(first, 2);
    List<Long> secondIds = createIds(second, 2);
    assertThat(firstIds).as("each community counts its own ids").isEqualTo(secondIds);
    long id = firstIds.get(0);

    linked(first, id, "sourcecred", "same-person", "");
    JsonNode theirs = linked(second, id, "sourcecred", "same-person", "");
    assertThat(theirs.path("community").asString())
        .as("one account per community, not per platform")
        .isEqualTo(second);
    linked(second, id, "randomness", "only-in-second", "");

    JsonNode mine =
        get("/api/internal/identity/get_user?community=" + first + "&external_id=" + id).json();
    assertThat(mine.path("linked_accounts")).hasSize(1);
    assertThat(mine.path("linked_accounts").get(0).path("community").asString()).isEqualTo(first);
    assertThat(
            get("/api/internal/identity/get_users?community=" + first + "&platform_type=randomness")
                .json())
        .isEmpty();

    assertThat(
            post(
                    "/api/internal/identity/merge_ids",
                    "{\"community_slug\": \""
                        + first
                        + "\", \"primary_instance_id\": "
                        + firstIds.get(1)
                        + ", \"secondary_instance_id\": "
                        + id
                        + "}")
                .status())
        .isEqualTo(200);
    JsonNode untouched =
        get("/api/internal/identity/get_user?community=" + second + "&external_id=" + id).json();
    assertThat(untouched.path("linked_accounts")).hasSize(2);
    assertThat(
            post(
                    "/api/internal/identity/unlink_account",
                    "{\"community_slug\": \""
                        + second
                        + "\", \"platform_type\": \"sourcecred\", \"platform_identifier\": \"same-person\"}")
                .status())
        .isEqualTo(200);
    assertThat(storedAccounts(first, "sourcecred", "same-person")).isEqualTo(1);
    assertThat(storedAccounts(second, "sourcecred", "same-person")).isZero();

    assertThat(delete("/api/internal/community/" + second).status()).isEqualTo(204);
    assertThat(
            jdbc.sql("select count(*) from metagov_id where community_slug = ?")
                .param(second)
                .query(Long.class)
                .single())
        .as("a deleted community's ids go with it")
        .isZero();
    assertThat(storedAccounts(first, "sourcecred", "same-person")).isEqualTo(1);
  }

  @Test
  void aRecordedAccountsLinkQualityOnlyEverGoesUp() {
    String community = community();
    ObjectNode first = (ObjectNode) json("{\"seen\": 1}");
    long id =
        identities.recordAccount(
            community,
            new PlatformAccount(
                "sourcecred", "U123", null, first, LinkType.UNKNOWN, LinkQuality.UNCONFIRMED));
    String path =
        "/api/internal/identity/get_linked_account?community="
            + community
            + "&external_id="
            + id
            + "&platform_type=sourcecred";
    assertThat(get(path).json().path("link_quality").asString()).isEqualTo("unconfirmed");

    assertThat(
            identities.recordAccount(
                community,
                new PlatformAccount(
                    "sourcecred",
                    "U123",
                    null,
                    (ObjectNode) json("{\"seen\": 2}"),
                    LinkType.MANUAL_ADMIN,
                    LinkQuality.UNKNOWN)))
        .as("the same account keeps its id")
        .isEqualTo(id);
    JsonNode kept = get(path).json();
    assertThat(kept.path("link_quality").asString())
        .as("never downgraded")
        .isEqualTo("unconfirmed");
    assertThat(kept.path("link_type").asString()).isEqualTo("unknown");
    assertThat(kept.path("custom_data")).isEqualTo(first);

    assertThat(
            identities.recordAccount(
                community,
                new PlatformAccount(
                    "sourcecred", "U123", null, null, LinkType.OAUTH, LinkQuality.STRONG_CONFIRM)))
        .isEqualTo(id);
    JsonNode upgraded = get(path).json();
    assertThat(upgraded.path("link_quality").asString()).isEqualTo("confirmed (strong)");
    assertThat(upgraded.path("link_type").asString()).isEqualTo("oauth");
    assertThat(upgraded.path("custom_data")).isEqualTo(first);

    identities.recordAccount(
        community,
        new PlatformAccount(
            "sourcecred", "U123", null, null, LinkType.EMAIL_MATCHING, LinkQuality.WEAK_CONFIRM));
    assertThat(get(path).json()).isEqualTo(upgraded);

    long driverId = createIds(community, 1).get(0);
    linked(community, driverId, "randomness", "U123", "");
    assertThat(
            identities.recordAccount(
                community,
                new PlatformAccount(
                    "randomness", "U123", null, null, LinkType.OAUTH, LinkQuality.WEAK_CONFIRM)))
        .as("an account the Driver linked keeps the Driver's id")
        .isEqualTo(driverId);
    assertThat(
            get("/api/internal/identity/get_linked_account?community="
                    + community
                    + "&external_id="
                    + driverId
                    + "&platform_type=randomness")
                .json()
                .path("link_quality")
                .asString())
        .isEqualTo("confirmed (weak)");
    assertThat(ids(get("/api/internal/identity/get_users?community=" + community).json()))
        .containsExactly(id, driverId);
  }

  @Test
  void theOpenApiDocumentDescribesEveryIdentityEndpoint() {
    JsonNode document = get("/v3/api-docs").json();
    JsonNode paths = document.path("paths");
    for (String post : List.of("create_id", "merge_ids", "link_account", "unlink_account")) {
      JsonNode operation = paths.path("/api/internal/identity/" + post).path("post");
      assertThat(operation.path("tags")).as(post).containsExactly(json("\"identity\""));
      assertThat(
              operation
                  .path("requestBody")
                  .path("content")
                  .path("application/json")
                  .path("schema")
                  .path("$ref")
                  .asString())
          .as(post)
          .startsWith("#/components/schemas/");
      assertThat(problemSchema(document, operation, "404")).as(post).endsWith("/Problem");
    }
    assertThat(
            paths
                .path("/api/internal/identity/create_id")
                .path("post")
                .path("responses")
                .has("201"))
        .isTrue();
    assertThat(
            paths
                .path("/api/internal/identity/link_account")
                .path("post")
                .path("responses")
                .has("409"))
        .isTrue();
    for (String read :
        List.of("get_user", "get_users", "filter_users_by_account", "get_linked_account")) {
      JsonNode operation = paths.path("/api/internal/identity/" + read).path("get");
      assertThat(operation.path("tags")).as(read).containsExactly(json("\"identity\""));
      assertThat(problemSchema(document, operation, "400")).as(read).endsWith("/Problem");
    }
  }

  /**
   * The schema of an operation's answer with this status, through the shared response it may refer
   * to.
   */
  private static String problemSchema(JsonNode document, JsonNode operation, String status) {
    JsonNode response = operation.path("responses").path(status);
    String ref = response.path("$ref").asString("");
    if (ref.startsWith("#/components/responses/")) {
      response =
          document
              .path("components")
              .path("responses")
              .path(ref.substring("#/components/responses/".length()));
    }
    return response
        .path("content")
        .path("application/problem+json")
        .path("schema")
        .path("$ref")
        .asString();
  }

  @Test
  void twoRacingLinksOfOneAccountLeaveExactlyOne() throws Exception {
    String community = community();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 5; round++) {
        List<Long> ids = createIds(community, 2);
        String identifier = "racer-" + round;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Response>> answers = new ArrayList<>();
        for (long id : ids) {
          Callable<Response> call =
              () -> {
                start.await();
                return link(community, id, "sourcecred", identifier, "");
              };
          answers.add(pool.submit(call));
        }
        start.countDown();
        List<Integer> statuses = new ArrayList<>();
        for (Future<Response> answer : answers) {
          statuses.add(answer.get().status());
        }
        assertThat(statuses).as("round " + round).containsExactlyInAnyOrder(200, 409);
        assertThat(storedAccounts(community, "sourcecred", identifier)).isEqualTo(1);
      }

      CountDownLatch start = new CountDownLatch(1);
      List<Future<Long>> recorded = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        recorded.add(
            pool.submit(
                () -> {
                  start.await();
                  return identities.recordAccount(
                      community,
                      new PlatformAccount(
                          "randomness",
                          "installer",
                          null,
                          null,
                          LinkType.OAUTH,
                          LinkQuality.STRONG_CONFIRM));
                }));
      }
      start.countDown();
      assertThat(recorded.get(0).get())
          .as("both callers get the one id")
          .isEqualTo(recorded.get(1).get());
      assertThat(storedAccounts(community, "randomness", "installer")).isEqualTo(1);
      assertThat(get("/api/internal/identity/get_users?community=" + community).json())
          .as("no id left without its account")
          .hasSize(11);
    } finally {
      pool.shutdownNow();
    }
  }
}
