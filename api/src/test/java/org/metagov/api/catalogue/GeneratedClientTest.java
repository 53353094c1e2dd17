package org.metagov.api.catalogue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;
import org.metagov.client.ApiClient;
import org.metagov.client.ApiException;
import org.metagov.client.ApiResponse;
import org.metagov.client.api.CommunitiesApi;
import org.metagov.client.api.IdentityApi;
import org.metagov.client.api.ProcessesApi;
import org.metagov.client.api.RandomnessApi;
import org.metagov.client.model.ActionRandomnessRandomIntRequest;
import org.metagov.client.model.ActionRandomnessRandomIntRequestParameters;
import org.metagov.client.model.CommunityView;
import org.metagov.client.model.CreateIdRequest;
import org.metagov.client.model.IdentityView;
import org.metagov.client.model.LinkAccountRequest;
import org.metagov.client.model.LinkedAccountView;
import org.metagov.client.model.PluginView;
import org.metagov.client.model.ProcessRandomnessDelayedStochasticVote202Response;
import org.metagov.client.model.ProcessRandomnessDelayedStochasticVoteRequest;
import org.metagov.client.model.ProcessRecord;
import tools.jackson.databind.JsonNode;

/**
 * The Driver tutorial's flows, run with the Java client that openapi-generator built from the
 * committed OpenAPI document (api/openapi.json, see OpenApiDocumentTest) at build time: if the
 * document and the API disagree, this client cannot do what the tutorial does.
 */
class GeneratedClientTest extends IntegrationTest {

  private CommunitiesApi communities;
  private RandomnessApi randomness;
  private ProcessesApi processes;
  private IdentityApi identity;

  @BeforeEach
  void client() {
    ApiClient client = new ApiClient();
    client.updateBaseUri("http://127.0.0.1:" + port);
    communities = new CommunitiesApi(client);
    randomness = new RandomnessApi(client);
    processes = new ProcessesApi(client);
    identity = new IdentityApi(client);
  }

  @Test
  void theTutorialsFlowsThroughTheGeneratedClient() throws ApiException {
    String slug = uniqueSlug("client");
    CommunityView community =
        new CommunityView()
            .name(slug)
            .readableName("")
            .plugins(List.of(new PluginView().name("randomness").config(Map.of())));

    // Create (201), then the same PUT again replaces it (200).
    ApiResponse<CommunityView> created = communities.putCommunityWithHttpInfo(slug, community);
    assertThat(created.getStatusCode()).isEqualTo(201);
    assertThat(created.getData().getName()).isEqualTo(slug);
    ApiResponse<CommunityView> replaced = communities.putCommunityWithHttpInfo(slug, community);
    assertThat(replaced.getStatusCode()).isEqualTo(200);
    CommunityView stored = communities.getCommunity(slug);
    assertThat(stored.getPlugins()).hasSize(1);
    assertThat(stored.getPlugins().get(0).getName()).isEqualTo("randomness");
    assertThat(stored.getPlugins().get(0).getConfig())
        .containsEntry("default_low", 0)
        .containsEntry("default_high", 100);

    // An action.
    int value =
        randomness
            .actionRandomnessRandomInt(
                slug,
                new ActionRandomnessRandomIntRequest()
                    .parameters(new ActionRandomnessRandomIntRequestParameters().low(1).high(6)))
            .getValue();
    assertThat(value).isBetween(1, 6);

    // A process: started (202 with its Location), read, listed, closed early with a winner.
    ApiResponse<ProcessRandomnessDelayedStochasticVote202Response> started =
        randomness.processRandomnessDelayedStochasticVoteWithHttpInfo(
            slug,
            new ProcessRandomnessDelayedStochasticVoteRequest()
                .options(List.of("one", "two", "three"))
                .delay(delayMinutes(60)),
            null);
    assertThat(started.getStatusCode()).isEqualTo(202);
    long id = started.getData().getId();
    assertThat(started.getHeaders().get("location"))
        .containsExactly("/api/internal/process/randomness.delayed-stochastic-vote/" + id);
    assertThat(started.getData().getCommunity()).isEqualTo(slug);

    ProcessRandomnessDelayedStochasticVote202Response read =
        randomness.processRandomnessDelayedStochasticVoteGet(id, slug);
    assertThat(read.getName()).isEqualTo("randomness.delayed-stochastic-vote");
    assertThat(read.getStatus().getValue()).isIn("created", "pending");
    List<ProcessRecord> listed = processes.listProcesses(slug, null, null, null).getProcesses();
    assertThat(listed).extracting(ProcessRecord::getId).containsExactly(id);

    ProcessRandomnessDelayedStochasticVote202Response closed =
        randomness.processRandomnessDelayedStochasticVoteClose(id, slug);
    assertThat(closed.getStatus().getValue()).isEqualTo("completed");
    assertThat(closed.getOutcome().getWinner()).isIn("one", "two", "three");
    // What the client read is what the API stored.
    JsonNode record = get("/api/internal/process/randomness.delayed-stochastic-vote/" + id).json();
    assertThat(record.path("outcome").path("winner").asString())
        .isEqualTo(closed.getOutcome().getWinner());

    // The webhook receivers, then deleting the community (204), after which it is gone (404
    // problem).
    assertThat(communities.getCommunityHooks(slug).getHooks())
        .containsExactly("/api/hooks/" + slug + "/randomness");
    assertThat(communities.deleteCommunityWithHttpInfo(slug).getStatusCode()).isEqualTo(204);
    ApiException gone =
        catchThrowableOfType(ApiException.class, () -> communities.getCommunity(slug));
    assertThat(gone.getCode()).isEqualTo(404);
    assertThat(json(gone.getResponseBody()).path("code").asString())
        .isEqualTo("community_not_found");
  }

  @Test
  void invalidParametersAnswerTheDocumentedProblem() throws ApiException {
    String slug = uniqueSlug("client");
    communities.putCommunity(
        slug,
        new CommunityView()
            .name(slug)
            .readableName("")
            .plugins(List.of(new PluginView().name("randomness").config(Map.of()))));
    ApiException invalid =
        catchThrowableOfType(
            ApiException.class,
            () ->
                randomness.actionRandomnessRandomInt(
                    slug,
                    new ActionRandomnessRandomIntRequest()
                        .parameters(
                            new ActionRandomnessRandomIntRequestParameters().low(10).high(1))));
    assertThat(invalid.getCode()).isEqualTo(400);
    JsonNode problem = json(invalid.getResponseBody());
    assertThat(problem.path("status").asInt()).isEqualTo(400);
    assertThat(problem.path("code").asString()).isNotBlank();
    assertThat(problem.path("detail").asString()).isNotBlank();
  }

  /**
   * A gateway-era Driver: plugins enabled one at a time and disabled by id, and an account linked
   * to a Metagov id.
   */
  @Test
  void gatewayEraPluginsAndIdentitiesThroughTheGeneratedClient() throws ApiException {
    String slug = uniqueSlug("client");
    communities.putCommunity(
        slug, new CommunityView().name(slug).readableName("").plugins(List.of()));

    // Enabled (201) with an id, then reconfigured (200) keeping it.
    ApiResponse<PluginView> enabled =
        communities.enablePluginWithHttpInfo("randomness", slug, Map.of("default_low", 1));
    assertThat(enabled.getStatusCode()).isEqualTo(201);
    long pluginId = enabled.getData().getId();
    assertThat(enabled.getData().getCommunity()).isEqualTo(slug);
    ApiResponse<PluginView> reconfigured =
        communities.enablePluginWithHttpInfo(
            "randomness", slug, Map.of("default_low", 2, "default_high", 9));
    assertThat(reconfigured.getStatusCode()).isEqualTo(200);
    assertThat(reconfigured.getData().getId()).isEqualTo(pluginId);
    PluginView stored = communities.getCommunity(slug).getPlugins().get(0);
    assertThat(stored.getId()).isEqualTo(pluginId);
    assertThat(stored.getConfig()).containsEntry("default_low", 2).containsEntry("default_high", 9);

    // Two Metagov ids; an account of the enabled plugin's platform linked to the first.
    List<Long> ids = identity.createId(new CreateIdRequest().communitySlug(slug).count(2), null);
    assertThat(ids).hasSize(2).doesNotHaveDuplicates();
    LinkedAccountView linked =
        identity.linkAccount(
            new LinkAccountRequest()
                .communitySlug(slug)
                .externalId(ids.get(0))
                .platformType("randomness")
                .platformIdentifier("alice")
                .linkType(LinkAccountRequest.LinkTypeEnum.fromValue("manual admin"))
                .linkQuality(LinkAccountRequest.LinkQualityEnum.fromValue("confirmed (weak)")),
            null);
    assertThat(linked.getExternalId()).isEqualTo(ids.get(0));
    IdentityView user = identity.getUser(String.valueOf(ids.get(0)), null, slug);
    assertThat(user.getSourceID()).isEqualTo(ids.get(0));
    assertThat(user.getLinkedAccounts())
        .singleElement()
        .satisfies(
            account -> {
              assertThat(account.getPlatformIdentifier()).isEqualTo("alice");
              assertThat(account.getLinkType().getValue()).isEqualTo("manual admin");
              assertThat(account.getLinkQuality().getValue()).isEqualTo("confirmed (weak)");
            });
    // What the client read is what the API stored.
    JsonNode read =
        get("/api/internal/identity/get_user?community=" + slug + "&external_id=" + ids.get(0))
            .json();
    assertThat(read.path("linked_accounts").path(0).path("platform_identifier").asString())
        .isEqualTo("alice");
    assertThat(read.path("linked_accounts").path(0).path("link_quality").asString())
        .isEqualTo("confirmed (weak)");
    assertThat(identity.getUser(String.valueOf(ids.get(1)), slug, null).getLinkedAccounts())
        .isEmpty();

    // Disabled by id (204); the community has no plugin left, and the id is no longer found (404
    // problem).
    assertThat(communities.disablePluginWithHttpInfo("randomness", pluginId).getStatusCode())
        .isEqualTo(204);
    assertThat(communities.getCommunity(slug).getPlugins()).isEmpty();
    ApiException gone =
        catchThrowableOfType(
            ApiException.class, () -> communities.disablePlugin("randomness", pluginId));
    assertThat(gone.getCode()).isEqualTo(404);
    assertThat(json(gone.getResponseBody()).path("code").asString()).isEqualTo("plugin_not_found");
  }
}
