package org.metagov.api.community;

import java.net.URI;
import java.util.List;
import java.util.Map;
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
@RestController
@RequestMapping(path = "/api/internal/community", produces = MediaType.APPLICATION_JSON_VALUE)
public class CommunityController {

  private final CommunityService communities;

  public CommunityController(CommunityService communities) {
    this.communities = communities;
  }

  @PutMapping(path = "/{slug}", consumes = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<CommunityView> put(@PathVariable String slug, @RequestBody JsonNode body) {
    Saved saved = communities.put(slug, body);
    return ResponseEntity.status(saved.created() ? HttpStatus.CREATED : HttpStatus.OK).body(saved.community());
  }

  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<CommunityView> create(@RequestBody JsonNode body) {
    CommunityView community = communities.create(body);
    return ResponseEntity.created(URI.create("/api/internal/community/" + community.name())).body(community);
  }

  @GetMapping("/{slug}")
  public CommunityView get(@PathVariable String slug) {
    return communities.get(slug);
  }

  @DeleteMapping("/{slug}")
  public ResponseEntity<Void> delete(@PathVariable String slug) {
    communities.delete(slug);
    return ResponseEntity.noContent().build();
  }

  @GetMapping("/{slug}/hooks")
  public Map<String, List<String>> hooks(@PathVariable String slug) {
    return Map.of("hooks", communities.hooks(slug));
  }
}
