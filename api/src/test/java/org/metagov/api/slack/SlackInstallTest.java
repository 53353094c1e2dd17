package org.metagov.api.slack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The Slack install as a Driver and a browser go through it: authorize (Driver call) → Slack's
 * authorize page → callback → plugin enabled with an encrypted bot token → back to the Driver, and
 * each way it can go wrong.
 */
class SlackInstallTest extends SlackTestSupport {

  private String slackConfigColumn(String community) {
    return jdbc.sql(
            "select config::text from community_plugin where community_slug = ? and plugin_name = 'slack'")
        .param(community)
        .query(String.class)
        .optional()
        .orElse(null);
  }

  @Test
  void anInstallEnablesSlackWithAnEncryptedTokenAndReturnsToTheDriver() {
    String slug = uniqueSlug("slack-install");
    putCommunity(slug, "[]");
    String team = uniqueTeam();

    Response back = install(slug, team, "driver-state-1");
    assertThat(back.status()).as(back.body()).isEqualTo(302);
    String location = back.header("Location");
    assertThat(location).startsWith(DRIVER_REDIRECT + "?");
    assertThat(query(location))
        .containsEntry("community", slug)
        .containsEntry("state", "driver-state-1")
        .doesNotContainKey("error");

    // The code was exchanged once, with the callback URL it was issued for.
    FakeSlack.Call exchange = SLACK.last("oauth.v2.access");
    assertThat(exchange.arguments().path("redirect_uri").asString())
        .isEqualTo(uri("/auth/slack/callback").toString());
    JsonNode community = get("/api/internal/community/" + slug).json();
    JsonNode slack = community.path("plugins").path(0);
    assertThat(slack.path("name").asString()).isEqualTo("slack");
    assertThat(slack.path("config").path("team_id").asString()).isEqualTo(team);
    assertThat(slack.path("config").path("team_name").asString()).isEqualTo("Workspace " + team);
    assertThat(slack.path("config").path("bot_user_id").asString())
        .isEqualTo(FakeSlack.botUser(team));
    assertThat(slack.path("config").path("installer_user_id").asString()).isEqualTo("U0INSTALL");
    assertThat(slack.path("config").path("bot_token").asString()).isEqualTo("********");
    String column = slackConfigColumn(slug);
    assertThat(column).contains(team).doesNotContain("xoxb-");

    // The stored token works: an action reaches the fake with it.
    Response posted =
        action(
            slug,
            "slack.post-message",
            "{\"parameters\": {\"channel\": \"C0GENERAL\", \"text\": \"installed\"}}");
    assertThat(posted.status()).as(posted.body()).isEqualTo(200);
    FakeSlack.Call post = SLACK.last("chat.postMessage");
    assertThat(post.authorization()).startsWith("Bearer xoxb-" + team + "-");
    assertThat(post.contentType()).startsWith("application/json");

    // The installing user's Slack account is linked in the community, as the gateway did on
    // install.
    JsonNode users =
        get("/api/internal/identity/get_users?community=" + slug + "&platform_type=slack").json();
    assertThat(users).hasSize(1);
    JsonNode installer = users.get(0).path("linked_accounts").get(0);
    assertThat(installer.path("platform_identifier").asString()).isEqualTo("U0INSTALL");
    assertThat(installer.path("community_platform_id").asString()).isEqualTo(team);
    assertThat(installer.path("link_type").asString()).isEqualTo("oauth");
    assertThat(installer.path("link_quality").asString()).isEqualTo("confirmed (strong)");

    // The authorize answer can be JSON for Drivers that redirect the browser themselves.
    Response asJson =
        send(
            request(
                    "/auth/slack/authorize?community="
                        + slug
                        + "&redirect_uri="
                        + enc(DRIVER_REDIRECT))
                .header("Accept", "application/json")
                .GET());
    assertThat(asJson.status()).isEqualTo(200);
    assertThat(asJson.json().path("authorize_url").asString())
        .startsWith(SLACK.authorizeUrl() + "?client_id=" + FakeSlack.CLIENT_ID)
        .contains("&state=")
        .contains("redirect_uri=" + enc(uri("/auth/slack/callback").toString()));
  }

  @Test
  void aForgedStateIsRefusedAndAReplayedOneChangesNothing() {
    assertProblem(
        get("/auth/slack/callback?code=whatever&state=forged-state-value"), 400, "invalid_state");
    assertProblem(get("/auth/slack/callback?code=whatever"), 400, "invalid_state");

    String slug = uniqueSlug("slack-replay");
    putCommunity(slug, "[]");
    String team = uniqueTeam();
    SLACK.nextInstallInto(team, "Replayed");
    Response authorized = authorize(slug, DRIVER_REDIRECT, "s1");
    String callback = approveAtSlack(authorized.header("Location"));
    assertThat(query(getAbsolute(callback).header("Location"))).doesNotContainKey("error");
    String before = slackConfigColumn(slug);
    int exchanges = SLACK.calls("oauth.v2.access").size();

    Response replay = getAbsolute(callback);
    assertThat(replay.status()).isEqualTo(302);
    Map<String, String> params = query(replay.header("Location"));
    assertThat(params)
        .containsEntry("error", "state_already_used")
        .containsEntry("community", slug)
        .containsEntry("state", "s1");
    assertThat(SLACK.calls("oauth.v2.access")).hasSize(exchanges);
    assertThat(slackConfigColumn(slug)).isEqualTo(before);
  }

  @Test
  void anExpiredStateSendsTheBrowserBackWithAnError() {
    String slug = uniqueSlug("slack-expired");
    putCommunity(slug, "[]");
    SLACK.nextInstallInto(uniqueTeam(), "Late");
    Response authorized = authorize(slug, DRIVER_REDIRECT, "late");
    String callback = approveAtSlack(authorized.header("Location"));
    jdbc.sql(
            "update install_state set expires_at = now() - interval '1 second' where community_slug = ?")
        .param(slug)
        .update();
    int exchanges = SLACK.calls("oauth.v2.access").size();

    Response back = getAbsolute(callback);
    assertThat(back.status()).isEqualTo(302);
    assertThat(query(back.header("Location")))
        .containsEntry("error", "state_expired")
        .containsEntry("state", "late");
    assertThat(SLACK.calls("oauth.v2.access")).hasSize(exchanges);
    assertThat(slackConfigColumn(slug)).isNull();
  }

  @Test
  void aRedirectOffTheAllowListIsRefused() {
    String slug = uniqueSlug("slack-redirect");
    putCommunity(slug, "[]");
    assertProblem(
        authorize(slug, "https://evil.example.org/slack/installed", "x"),
        400,
        "redirect_uri_not_allowed");
    assertProblem(
        authorize(slug, "https://driver.example.org/other", "x"), 400, "redirect_uri_not_allowed");
    assertProblem(
        authorize("no-such-community-" + System.nanoTime(), DRIVER_REDIRECT, "x"),
        404,
        "community_not_found");
  }

  @Test
  void aWorkspaceInstalledInOneCommunityCannotBeInstalledInAnother() {
    String first = uniqueSlug("slack-first");
    String second = uniqueSlug("slack-second");
    putCommunity(first, "[]");
    putCommunity(second, "[]");
    String team = uniqueTeam();
    assertThat(query(install(first, team, "a").header("Location"))).doesNotContainKey("error");

    Response refused = install(second, team, "b");
    assertThat(refused.status()).isEqualTo(302);
    assertThat(query(refused.header("Location")))
        .containsEntry("error", "installation_in_use")
        .containsEntry("community", second);
    assertThat(slackConfigColumn(second)).isNull();
    assertThat(slackConfigColumn(first)).contains(team);

    // A reinstall into the same community refreshes its token.
    assertThat(query(install(first, team, "again").header("Location"))).doesNotContainKey("error");
    assertThat(get("/api/internal/identity/get_users?community=" + second).json())
        .as("a refused install links nobody")
        .isEmpty();
    assertThat(get("/api/internal/identity/get_users?community=" + first).json())
        .as("the installer, once")
        .hasSize(1);
  }
}
