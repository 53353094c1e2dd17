package org.metagov.api.process;

import io.swagger.v3.oas.annotations.Hidden;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.util.List;
import org.metagov.api.catalogue.OpenApiContract;
import org.metagov.api.process.ProcessRepository.StoredProcess;
import org.metagov.api.process.ProcessService.Started;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Governance processes. The per-process operations appear in the OpenAPI document once per process
 * type (see the catalogue's OpenAPI customizer); the listing is documented here.
 */
@Tag(name = OpenApiContract.PROCESSES)
@RestController
public class ProcessController {

  private final ProcessService processes;

  public ProcessController(ProcessService processes) {
    this.processes = processes;
  }

  @Hidden
  @PostMapping(
      path = "/api/internal/process/{qualifiedName}",
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<JsonNode> start(
      @PathVariable String qualifiedName,
      @RequestHeader("X-Metagov-Community") String community,
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
      @RequestBody JsonNode body) {
    Started started = processes.start(community, qualifiedName, body, idempotencyKey);
    StoredProcess process = started.process();
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .location(URI.create(location(process)))
        .body(process.record());
  }

  @Hidden
  @GetMapping(
      path = "/api/internal/process/{qualifiedName}/{id}",
      produces = MediaType.APPLICATION_JSON_VALUE)
  public JsonNode get(
      @PathVariable String qualifiedName,
      @PathVariable String id,
      @RequestHeader(name = "X-Metagov-Community", required = false) String community) {
    return processes.get(community, qualifiedName, processId(qualifiedName, id)).record();
  }

  @Hidden
  @DeleteMapping(
      path = "/api/internal/process/{qualifiedName}/{id}",
      produces = MediaType.APPLICATION_JSON_VALUE)
  public JsonNode close(
      @PathVariable String qualifiedName,
      @PathVariable String id,
      @RequestHeader(name = "X-Metagov-Community", required = false) String community) {
    return processes.close(community, qualifiedName, processId(qualifiedName, id));
  }

  /** A page of a community's process records. */
  public record ProcessList(
      @ArraySchema(schema = @Schema(ref = "#/components/schemas/ProcessRecord"))
          List<JsonNode> processes) {}

  /** The community's processes, oldest first, optionally only those with one status. */
  @Operation(
      operationId = "listProcesses",
      summary = "List a community's processes, oldest first",
      responses = {
        @ApiResponse(
            responseCode = "200",
            description = "The process records.",
            content = @Content(schema = @Schema(implementation = ProcessList.class))),
        @ApiResponse(responseCode = "400", ref = OpenApiContract.BAD_REQUEST),
        @ApiResponse(responseCode = "404", ref = OpenApiContract.NOT_FOUND)
      })
  @GetMapping(path = "/api/internal/process", produces = MediaType.APPLICATION_JSON_VALUE)
  public ProcessList list(
      @RequestHeader("X-Metagov-Community") String community,
      @RequestParam(required = false) String status,
      @RequestParam(defaultValue = "100") int limit,
      @RequestParam(defaultValue = "0") int offset) {
    return new ProcessList(
        processes.list(community, status, limit, offset).stream()
            .map(StoredProcess::record)
            .toList());
  }

  /**
   * A process id from the URL: digits only, as the API hands them out. Anything else (" 2", "1e3",
   * a number beyond a long) names no process: 404, like an unknown id.
   */
  static long processId(String qualifiedName, String id) {
    if (id.length() <= 19 && id.chars().allMatch(c -> c >= '0' && c <= '9') && !id.isEmpty()) {
      try {
        return Long.parseLong(id);
      } catch (NumberFormatException e) {
        // Beyond a long: no such process.
      }
    }
    throw org.metagov.api.problem.ApiException.notFound(
        "process_not_found",
        "There is no "
            + qualifiedName
            + " process with id "
            + (id.length() > 40 ? id.substring(0, 40) + "..." : id)
            + ".");
  }

  static String location(StoredProcess process) {
    return "/api/internal/process/"
        + process.plugin()
        + "."
        + process.process()
        + "/"
        + process.id();
  }
}
