package org.metagov.api.process;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import org.metagov.activities.json.Json;
import org.metagov.activities.process.ProcessStore;
import org.metagov.workflows.process.ProcessProjection;
import org.metagov.workflows.process.ProcessRecord;
import org.metagov.workflows.process.ProcessStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The PostgreSQL projection of process workflows, and the webhook routing index. */
@Repository
public class ProcessRepository implements ProcessStore {

  private static final int ID_BLOCK = 50;

  private final JdbcClient jdbc;
  private final ArrayDeque<Long> idBlock = new ArrayDeque<>();

  public ProcessRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** A stored process: its record as Drivers see it, plus what the API needs to act on it. */
  public record StoredProcess(
      long id,
      String community,
      String plugin,
      String process,
      ProcessStatus status,
      JsonNode record,
      String workflowId,
      String requestHash) {

    public boolean ended() {
      return status.ended();
    }
  }

  /**
   * The record as Drivers see it carries the version of the projection, which grows with every
   * change.
   */
  private static StoredProcess row(ResultSet rs, int i) throws SQLException {
    ObjectNode record = (ObjectNode) Json.parse(rs.getString("record"));
    record.put("version", rs.getLong("version"));
    return new StoredProcess(
        rs.getLong("id"),
        rs.getString("community_slug"),
        rs.getString("plugin_name"),
        rs.getString("process_name"),
        ProcessStatus.fromWireName(rs.getString("status")),
        record,
        rs.getString("workflow_id"),
        rs.getString("request_hash"));
  }

  private static final String COLUMNS =
      "id, community_slug, plugin_name, process_name, status, record::text as record, version, workflow_id, request_hash";

  /**
   * Draws the id of a new process. Ids come from the sequence in blocks, so most starts do not ask
   * the database for one; an instance that stops leaves the rest of its block unused.
   */
  public long nextId() {
    synchronized (idBlock) {
      if (idBlock.isEmpty()) {
        idBlock.addAll(
            jdbc.sql("select nextval('process_id_seq') from generate_series(1, ?) order by 1")
                .param(ID_BLOCK)
                .query(Long.class)
                .list());
      }
      return idBlock.removeFirst();
    }
  }

  /**
   * Inserts a process not started yet and answers it as stored, or empty when its community does
   * not exist or its plugin is not enabled there. The one statement locks the community's row and
   * the plugin's row (key share, the lock their foreign keys take anyway) before it inserts:
   * deleting the community or disabling the plugin locks the community row for update before
   * counting open processes, so it either waits for this insert and counts it, or commits first and
   * this insert finds the plugin's row gone and inserts nothing.
   */
  public Optional<StoredProcess> insert(
      long id,
      String community,
      String plugin,
      String process,
      JsonNode record,
      String workflowId,
      String callbackUrl,
      boolean liveCallbacks,
      String idempotencyKey,
      String requestHash,
      Instant closingAt,
      JsonNode parameters) {
    return jdbc.sql(
            """
            with enabled as (
              select c.slug from community c join community_plugin p on p.community_slug = c.slug
              where c.slug = ? and p.plugin_name = ? for key share)
            insert into process (id, community_slug, plugin_name, process_name, status, record, workflow_id,
                                 callback_url, live_callbacks, idempotency_key, request_hash, closing_at, parameters,
                                 workflow_started)
            select ?, enabled.slug, ?, ?, ?, ?::json, ?, ?, ?, ?, ?, ?, ?::json, false from enabled
            returning\s"""
                + COLUMNS)
        .params(
            community,
            plugin,
            id,
            plugin,
            process,
            ProcessStatus.CREATED.wireName(),
            Json.write(record),
            workflowId,
            callbackUrl,
            liveCallbacks,
            idempotencyKey,
            requestHash,
            closingAt == null ? null : Timestamp.from(closingAt),
            Json.write(parameters))
        .query(ProcessRepository::row)
        .optional();
  }

  /**
   * Processes committed at least {@code olderThan} ago whose workflow is not known to have started.
   */
  public List<StoredProcess> unstarted(java.time.Duration olderThan, int limit) {
    return jdbc.sql(
            "select "
                + COLUMNS
                + " from process where not workflow_started"
                + " and created_at < now() - make_interval(secs => :seconds) order by id limit :limit")
        .param("seconds", (double) olderThan.toMillis() / 1000)
        .param("limit", limit)
        .query(ProcessRepository::row)
        .list();
  }

  public JsonNode parameters(long id) {
    return jdbc.sql("select parameters::text from process where id = ?")
        .param(id)
        .query((rs, i) -> rs.getString(1) == null ? null : Json.parse(rs.getString(1)))
        .optional()
        .orElse(null);
  }

  public Instant closingAt(long id) {
    return jdbc.sql("select closing_at from process where id = ?")
        .param(id)
        .query((rs, i) -> rs.getTimestamp(1) == null ? null : rs.getTimestamp(1).toInstant())
        .optional()
        .orElse(null);
  }

  public String callbackUrl(long id) {
    return jdbc.sql("select callback_url from process where id = ?")
        .param(id)
        .query(String.class)
        .optional()
        .orElse(null);
  }

  public boolean liveCallbacks(long id) {
    return jdbc.sql("select live_callbacks from process where id = ?")
        .param(id)
        .query(Boolean.class)
        .optional()
        .orElse(false);
  }

  public void markWorkflowStarted(long id) {
    jdbc.sql("update process set workflow_started = true where id = ? and not workflow_started")
        .param(id)
        .update();
  }

  public Optional<StoredProcess> find(long id) {
    return jdbc.sql("select " + COLUMNS + " from process where id = ?")
        .param(id)
        .query(ProcessRepository::row)
        .optional();
  }

  public Optional<StoredProcess> findByIdempotencyKey(String community, String key) {
    return jdbc.sql(
            "select " + COLUMNS + " from process where community_slug = ? and idempotency_key = ?")
        .params(community, key)
        .query(ProcessRepository::row)
        .optional();
  }

  public List<StoredProcess> list(String community, ProcessStatus status, int limit, int offset) {
    return jdbc.sql(
            "select "
                + COLUMNS
                + " from process where community_slug = :community"
                + (status == null ? "" : " and status = :status")
                + " order by id limit :limit offset :offset")
        .param("community", community)
        .param("status", status == null ? null : status.wireName())
        .param("limit", limit)
        .param("offset", offset)
        .query(ProcessRepository::row)
        .list();
  }

  public long countOpen(String community, String plugin) {
    return jdbc.sql(
            "select count(*) from process where community_slug = :community"
                + (plugin == null ? "" : " and plugin_name = :plugin")
                + " and status in (:open)")
        .param("community", community)
        .param("plugin", plugin)
        .param("open", ProcessStatus.openWireNames())
        .query(Long.class)
        .single();
  }

  /** Open processes of a community's plugin that registered any of these routing keys. */
  public List<StoredProcess> openByRoutingKeys(String community, String plugin, List<String> keys) {
    if (keys.isEmpty()) {
      return List.of();
    }
    // Only the process table is in the outer FROM, so the columns need no "p." prefix (a textual
    // replace of "id," would also have turned workflow_id into workflow_p.id).
    return jdbc.sql(
            "select "
                + COLUMNS
                + " from process p where p.id in ("
                + "select r.process_id from process_route r where r.community_slug = :community and r.plugin_name = :plugin"
                + " and r.routing_key in (:keys)) and p.status in (:open) order by p.id")
        .param("community", community)
        .param("plugin", plugin)
        .param("keys", keys)
        .param("open", ProcessStatus.openWireNames())
        .query(ProcessRepository::row)
        .list();
  }

  /**
   * Raises the webhook flag of the given processes and returns those whose flag was down: only they
   * need a signal, the others have one waiting for their next platform read. The rows stay locked
   * until the caller's transaction ends, so a read that starts meanwhile waits and then sees what
   * the webhook changed.
   */
  public List<Long> raiseHints(List<Long> processIds) {
    if (processIds.isEmpty()) {
      return List.of();
    }
    return jdbc.sql(
            "update process set hint_pending = true where id in (:ids) and not hint_pending returning id")
        .param("ids", processIds)
        .query(Long.class)
        .list();
  }

  /**
   * Like {@link #raiseHints}, for a webhook that also leaves process inputs: every row is locked,
   * raised or not, so a platform read that lowers the flag meanwhile waits for this transaction and
   * then reads its inputs. Without the lock, a read could lower a flag raised earlier and miss
   * inputs that commit just after it.
   */
  public List<Long> raiseHintsLocking(List<Long> processIds) {
    if (processIds.isEmpty()) {
      return List.of();
    }
    return jdbc.sql(
            """
            with old as (select id, hint_pending from process where id in (:ids) order by id for update)
            update process p set hint_pending = true from old where p.id = old.id and not old.hint_pending returning p.id
            """)
        .param("ids", processIds)
        .query(Long.class)
        .list();
  }

  /** Keeps what a webhook said to a process; false when the same webhook already did. */
  public boolean addInput(long processId, String webhookIdentity, JsonNode data) {
    return jdbc.sql(
                """
            insert into process_input (process_id, webhook_identity, data) values (?, ?, ?::jsonb)
            on conflict do nothing
            """)
            .params(processId, webhookIdentity, Json.write(data))
            .update()
        == 1;
  }

  @Override
  public Optional<Projected> projected(long processId) {
    return jdbc.sql("select record::text, version from process where id = ?")
        .param(processId)
        .query(
            (rs, i) ->
                new Projected(
                    Json.MAPPER.readValue(rs.getString(1), ProcessRecord.class), rs.getLong(2)))
        .optional();
  }

  @Override
  public List<JsonNode> inputs(long processId) {
    return jdbc.sql("select data::text from process_input where process_id = ? order by id")
        .param(processId)
        .query((rs, i) -> Json.parse(rs.getString(1)))
        .list();
  }

  @Override
  public void hintTaken(long processId) {
    // Unconditional on purpose: a webhook signals inside its transaction, so this can run before
    // the webhook's
    // raised flag commits. Filtering on hint_pending would read the old, lowered value and skip the
    // row without
    // waiting; updating it by id waits for that transaction and then lowers the flag it raised.
    jdbc.sql("update process set hint_pending = false where id = ?").param(processId).update();
  }

  /**
   * Writes a workflow's state unless a newer version is stored, and its routing keys, in one
   * statement. The row is inserted if missing, so a workflow whose starting transaction failed to
   * commit still becomes visible. A projected process is marked started here rather than by the
   * start request, which then needs no second write. Routing keys are added even when the state is
   * older than the stored one: they only ever accumulate.
   */
  @Override
  public void project(ProcessProjection projection) {
    ProcessRecord record = projection.record();
    String[] name = record.name().split("\\.", 2);
    List<String> routingKeys =
        projection.routingKeys() == null ? List.of() : projection.routingKeys();
    jdbc.sql(
            """
            with routes as (
              insert into process_route (community_slug, plugin_name, routing_key, process_id)
              select :community, :plugin, key, :id from json_array_elements_text(:routingKeys::json) as key
              on conflict do nothing)
            insert into process (id, community_slug, plugin_name, process_name, status, record, version, workflow_id)
            values (:id, :community, :plugin, :process, :status, :record::jsonb, :version, :workflowId)
            on conflict (id) do update set status = excluded.status, record = excluded.record,
                version = excluded.version, updated_at = now(), workflow_started = true
            where process.version <= excluded.version
            """)
        .param("id", record.id())
        .param("community", record.community())
        .param("plugin", name[0])
        .param("process", name.length > 1 ? name[1] : "")
        .param("status", record.status().wireName())
        .param("record", Json.write(record))
        .param("version", projection.version())
        .param(
            "workflowId",
            org.metagov.workflows.process.ProcessWorkflow.workflowId(
                record.community(), record.name(), record.id()))
        .param("routingKeys", Json.write(routingKeys))
        .update();
  }
}
