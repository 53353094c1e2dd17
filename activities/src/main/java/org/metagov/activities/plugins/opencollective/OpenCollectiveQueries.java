package org.metagov.activities.plugins.opencollective;

/**
 * The GraphQL v2 operations the plugin sends, written against {@code
 * server/graphql/schemaV2.graphql} of opencollective/opencollective-api. Each document's operation
 * name is what {@link OpenCollectiveApi#call} sends as {@code operationName}.
 */
final class OpenCollectiveQueries {

  private OpenCollectiveQueries() {}

  static final String ACCOUNT = "OpenCollectiveAccount";
  static final String WEBHOOKS = "OpenCollectiveWebhooks";
  static final String CREATE_WEBHOOK = "CreateWebhook";
  static final String DELETE_WEBHOOK = "DeleteWebhook";
  static final String MEMBERS = "OpenCollectiveMembers";
  static final String CREATE_CONVERSATION = "CreateConversation";
  static final String EDIT_CONVERSATION = "EditConversation";
  static final String CONVERSATION = "OpenCollectiveConversation";
  static final String CONVERSATION_COMMENTS = "OpenCollectiveConversationComments";
  static final String CONVERSATIONS_BY_TAG = "OpenCollectiveConversationsByTag";
  static final String CREATE_COMMENT = "CreateComment";
  static final String PROCESS_EXPENSE = "ProcessExpense";
  static final String EXPENSE = "OpenCollectiveExpense";

  /**
   * Fields of an account the URL of its pages needs (projects and events live under their parent).
   */
  private static final String ACCOUNT_ROUTE =
      "slug type ... on AccountWithParent { parent { slug } }";

  private static final String CONVERSATION_FIELDS =
      """
      fragment conversationFields on Conversation {
        id
        publicId
        slug
        title
        tags
        account { %s }
        body { id reactions }
        stats { id commentsCount }
      }
      """
          .formatted(ACCOUNT_ROUTE);

  private static final String EXPENSE_FIELDS =
      """
      fragment expenseFields on Expense {
        id
        publicId
        legacyId
        description
        longDescription
        amountV2 { valueInCents currency }
        currency
        type
        status
        createdAt
        incurredAt
        tags
        account { id legacyId name %s }
        payee { id legacyId slug name }
        createdByAccount { id legacyId slug name }
        requestedByAccount { id legacyId slug name }
        activities { id type createdAt individual { id slug } }
        items { id description amountV2 { valueInCents currency } incurredAt url }
      }
      """
          .formatted(ACCOUNT_ROUTE);

  private static final String WEBHOOK_FIELDS =
      "webhooks(limit: 100) { nodes { id webhookUrl activityType } }";

  static final String ACCOUNT_QUERY =
      """
      query OpenCollectiveAccount($slug: String!) {
        account(slug: $slug, throwIfMissing: false) {
          id
          legacyId
          slug
          name
          type
        }
      }
      """;

  /** {@code webhooks} is not on the Account interface, only on its concrete types. */
  static final String WEBHOOKS_QUERY =
      """
      query OpenCollectiveWebhooks($slug: String!) {
        account(slug: $slug, throwIfMissing: false) {
          id
          ... on Collective { %1$s }
          ... on Organization { %1$s }
          ... on Fund { %1$s }
          ... on Project { %1$s }
          ... on Event { %1$s }
        }
      }
      """
          .formatted(WEBHOOK_FIELDS);

  static final String CREATE_WEBHOOK_MUTATION =
      """
      mutation CreateWebhook($webhook: WebhookCreateInput!) {
        createWebhook(webhook: $webhook) { id webhookUrl activityType }
      }
      """;

  static final String DELETE_WEBHOOK_MUTATION =
      """
      mutation DeleteWebhook($webhook: WebhookReferenceInput!) {
        deleteWebhook(webhook: $webhook) { id }
      }
      """;

  static final String MEMBERS_QUERY =
      """
      query OpenCollectiveMembers($slug: String!, $limit: Int!, $offset: Int!, $role: [MemberRole]) {
        account(slug: $slug, throwIfMissing: false) {
          id
          members(limit: $limit, offset: $offset, role: $role) {
            totalCount
            nodes { id role account { id slug name type } }
          }
        }
      }
      """;

  static final String CREATE_CONVERSATION_MUTATION =
      """
      mutation CreateConversation($title: String!, $html: String!, $account: AccountReferenceInput!, $tags: [String]) {
        createConversation(title: $title, html: $html, account: $account, tags: $tags) { ...conversationFields }
      }
      """
          + CONVERSATION_FIELDS;

  static final String EDIT_CONVERSATION_MUTATION =
      """
      mutation EditConversation($id: String!, $title: String!, $tags: [String]) {
        editConversation(id: $id, title: $title, tags: $tags) { ...conversationFields }
      }
      """
          + CONVERSATION_FIELDS;

  static final String CONVERSATION_QUERY =
      """
      query OpenCollectiveConversation($id: String!) {
        conversation(id: $id) { ...conversationFields }
      }
      """
          + CONVERSATION_FIELDS;

  static final String CONVERSATION_COMMENTS_QUERY =
      """
      query OpenCollectiveConversationComments($id: String!, $limit: Int!, $offset: Int!) {
        conversation(id: $id) {
          id
          comments(limit: $limit, offset: $offset) { totalCount nodes { id html } }
        }
      }
      """;

  /** Newest first ({@code order: createdAt DESC} in the Account resolver). */
  static final String CONVERSATIONS_BY_TAG_QUERY =
      """
      query OpenCollectiveConversationsByTag($slug: String!, $tag: String!) {
        account(slug: $slug, throwIfMissing: false) {
          id
          conversations(tag: $tag, limit: 5) { nodes { ...conversationFields } }
        }
      }
      """
          + CONVERSATION_FIELDS;

  static final String CREATE_COMMENT_MUTATION =
      """
      mutation CreateComment($comment: CommentCreateInput!) {
        createComment(comment: $comment) { id publicId createdAt }
      }
      """;

  static final String PROCESS_EXPENSE_MUTATION =
      """
      mutation ProcessExpense($expense: ExpenseReferenceInput!, $action: ExpenseProcessAction!, $message: String, $paymentParams: ProcessExpensePaymentParams) {
        processExpense(expense: $expense, action: $action, message: $message, paymentParams: $paymentParams) {
          id
          publicId
          legacyId
          status
          account { %s }
        }
      }
      """
          .formatted(ACCOUNT_ROUTE);

  static final String EXPENSE_QUERY =
      """
      query OpenCollectiveExpense($expense: ExpenseReferenceInput!) {
        expense(expense: $expense) { ...expenseFields }
      }
      """
          + EXPENSE_FIELDS;
}
