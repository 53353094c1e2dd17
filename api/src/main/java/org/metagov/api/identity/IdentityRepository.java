package org.metagov.api.identity;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.LinkQuality;
import org.metagov.activities.plugin.LinkType;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.node.ObjectNode;

/** Metagov ids and their linked platform accounts in PostgreSQL, always within one community. */
@Repository
public class IdentityRepository {

  private static final String ACCOUNT_COLUMNS =
      "id, community_slug, external_id, platform_type, community_platform_id, "
          + "platform_identifier, custom_data::text, link_type, link_quality";

  private static final RowMapper<StoredAccount> ACCOUNT =
      (rs, i) ->
          new StoredAccount(
              rs.getLong(1),
              rs.getString(2),
              rs.getLong(3),
              new AccountKey(rs.getString(4), rs.getString(5), rs.getString(6)),
              (ObjectNode) Json.parse(rs.getString(7)),
              LinkType.fromWireName(rs.getString(8)),
              LinkQuality.fromWireName(rs.getString(9)));

  private final JdbcClient jdbc;

  public IdentityRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * What names a platform account within a community.
   *
   * @param communityPlatformId null when the community has one space on the platform
   */
  public record AccountKey(
      String platformType, String communityPlatformId, String platformIdentifier) {}

  /** A linked account as stored. */
  public record StoredAccount(
      long rowId,
      String community,
      long externalId,
      AccountKey key,
      ObjectNode customData,
      LinkType linkType,
      LinkQuality linkQuality) {}

  /** What the Driver may filter accounts by; null fields do not filter. */
  public record AccountFilter(
      String platformType,
      String communityPlatformId,
      LinkType linkType,
      LinkQuality linkQuality,
      String platformIdentifier) {

    boolean empty() {
      return platformType == null
          && communityPlatformId == null
          && linkType == null
          && linkQuality == null
          && platformIdentifier == null;
    }
  }

  /**
   * Whether the community exists, holding its row with a shared lock until the transaction ends so
   * it cannot be deleted meanwhile.
   */
  public boolean lockCommunity(String community) {
    return jdbc.sql("select 1 from community where slug = ? for share")
        .param(community)
        .query(Integer.class)
        .optional()
        .isPresent();
  }

  /**
   * Hands out {@code count} new ids from the community's counter and stores them; the ids in
   * ascending order.
   */
  public List<Long> createIds(String community, int count) {
    long last =
        jdbc.sql(
                """
            insert into metagov_id_counter (community_slug, last_id) values (?, ?)
            on conflict (community_slug) do update set last_id = metagov_id_counter.last_id + excluded.last_id
            returning last_id
            """)
            .params(community, count)
            .query(Long.class)
            .single();
    jdbc.sql(
            "insert into metagov_id (community_slug, external_id) select ?, generate_series(?::bigint, ?::bigint)")
        .params(community, last - count + 1, last)
        .update();
    return LongStream.rangeClosed(last - count + 1, last).boxed().toList();
  }

  /**
   * Whether the id exists, holding it with a shared lock until the transaction ends: a merge, which
   * locks it exclusively, waits for whoever links an account to it, and the other way round.
   */
  public boolean lockIdShared(String community, long externalId) {
    return jdbc.sql(
            "select 1 from metagov_id where community_slug = ? and external_id = ? for share")
        .params(community, externalId)
        .query(Integer.class)
        .optional()
        .isPresent();
  }

  /**
   * The ids among {@code externalIds} that exist, locked exclusively until the transaction ends.
   */
  public List<Long> lockIds(String community, Collection<Long> externalIds) {
    return jdbc.sql(
            """
            select external_id from metagov_id where community_slug = :community and external_id in (:ids)
            order by external_id for update
            """)
        .param("community", community)
        .param("ids", externalIds)
        .query(Long.class)
        .list();
  }

  /** The ids among {@code externalIds} that exist. */
  public List<Long> existing(String community, Collection<Long> externalIds) {
    return jdbc.sql(
            "select external_id from metagov_id where community_slug = :community and external_id in (:ids)")
        .param("community", community)
        .param("ids", externalIds)
        .query(Long.class)
        .list();
  }

  /**
   * Links an account to an id; empty when the account is already linked (to this id or another).
   */
  public Optional<StoredAccount> insertAccount(
      String community,
      long externalId,
      AccountKey key,
      ObjectNode customData,
      LinkType linkType,
      LinkQuality linkQuality) {
    return jdbc.sql(
            """
            insert into linked_account (community_slug, external_id, platform_type, community_platform_id,
                platform_identifier, custom_data, link_type, link_quality)
            values (?, ?, ?, ?, ?, ?::jsonb, ?, ?)
            on conflict do nothing
            returning\s"""
                + ACCOUNT_COLUMNS)
        .params(
            community,
            externalId,
            key.platformType(),
            key.communityPlatformId(),
            key.platformIdentifier(),
            Json.write(customData),
            linkType.wireName(),
            linkQuality.wireName())
        .query(ACCOUNT)
        .optional();
  }

  /** The account, locked exclusively until the transaction ends. */
  public Optional<StoredAccount> lockAccount(String community, AccountKey key) {
    return jdbc.sql(
            "select "
                + ACCOUNT_COLUMNS
                + """
             from linked_account
            where community_slug = ? and platform_type = ? and coalesce(community_platform_id, '') = coalesce(?, '')
              and platform_identifier = ?
            for update
            """)
        .params(community, key.platformType(), key.communityPlatformId(), key.platformIdentifier())
        .query(ACCOUNT)
        .optional();
  }

  /**
   * The spaces ({@code community_platform_id}s) in which the community has this platform identifier
   * linked.
   */
  public List<String> spacesOf(String community, String platformType, String platformIdentifier) {
    return jdbc.sql(
            """
            select community_platform_id from linked_account
            where community_slug = ? and platform_type = ? and platform_identifier = ?
            order by id
            """)
        .params(community, platformType, platformIdentifier)
        .query((rs, i) -> rs.getString(1))
        .list();
  }

  public void updateLink(
      long rowId, ObjectNode customData, LinkType linkType, LinkQuality linkQuality) {
    jdbc.sql(
            """
            update linked_account set custom_data = ?::jsonb, link_type = ?, link_quality = ?, updated_at = now()
            where id = ?
            """)
        .params(Json.write(customData), linkType.wireName(), linkQuality.wireName(), rowId)
        .update();
  }

  public void deleteAccount(long rowId) {
    jdbc.sql("delete from linked_account where id = ?").param(rowId).update();
  }

  /** Moves every account of {@code from} to {@code to} and deletes {@code from}. */
  public void merge(String community, long from, long to) {
    jdbc.sql(
            """
            update linked_account set external_id = ?, updated_at = now()
            where community_slug = ? and external_id = ?
            """)
        .params(to, community, from)
        .update();
    deleteId(community, from);
  }

  public void deleteId(String community, long externalId) {
    jdbc.sql("delete from metagov_id where community_slug = ? and external_id = ?")
        .params(community, externalId)
        .update();
  }

  /** The accounts linked to these ids, oldest link first. */
  public List<StoredAccount> accountsOf(String community, Collection<Long> externalIds) {
    if (externalIds.isEmpty()) {
      return List.of();
    }
    return jdbc.sql(
            "select "
                + ACCOUNT_COLUMNS
                + " from linked_account where community_slug = :community and external_id in (:ids) order by id")
        .param("community", community)
        .param("ids", externalIds)
        .query(ACCOUNT)
        .list();
  }

  /** Every id of the community, in ascending order. */
  public List<Long> ids(String community) {
    return jdbc.sql(
            "select external_id from metagov_id where community_slug = ? order by external_id")
        .param(community)
        .query(Long.class)
        .list();
  }

  /**
   * The ids (in ascending order) with at least one account that matches the filter, among {@code
   * candidates} when it is not null.
   */
  public List<Long> idsWithAccounts(
      String community, AccountFilter filter, Collection<Long> candidates) {
    StringBuilder sql =
        new StringBuilder(
            "select distinct external_id from linked_account where community_slug = :community");
    List<Object[]> params = new ArrayList<>();
    params.add(new Object[] {"community", community});
    condition(sql, params, "platform_type", filter.platformType());
    condition(sql, params, "community_platform_id", filter.communityPlatformId());
    condition(
        sql, params, "link_type", filter.linkType() == null ? null : filter.linkType().wireName());
    condition(
        sql,
        params,
        "link_quality",
        filter.linkQuality() == null ? null : filter.linkQuality().wireName());
    condition(sql, params, "platform_identifier", filter.platformIdentifier());
    if (candidates != null) {
      if (candidates.isEmpty()) {
        return List.of();
      }
      sql.append(" and external_id in (:candidates)");
      params.add(new Object[] {"candidates", candidates});
    }
    JdbcClient.StatementSpec statement = jdbc.sql(sql.append(" order by external_id").toString());
    for (Object[] param : params) {
      statement = statement.param((String) param[0], param[1]);
    }
    return statement.query(Long.class).list();
  }

  private static void condition(
      StringBuilder sql, List<Object[]> params, String column, String value) {
    if (value != null) {
      sql.append(" and ").append(column).append(" = :").append(column);
      params.add(new Object[] {column, value});
    }
  }
}
