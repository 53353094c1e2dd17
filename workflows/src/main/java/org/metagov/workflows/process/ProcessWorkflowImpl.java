package org.metagov.workflows.process;

import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.common.RetryOptions;
import io.temporal.common.SearchAttributeKey;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.metagov.workflows.Failures;
import org.metagov.workflows.RetryBudget;
import org.metagov.workflows.delivery.Delivery;
import org.metagov.workflows.delivery.DeliveryKind;
import org.metagov.workflows.delivery.DeliveryWorkflow;
import org.slf4j.Logger;

public class ProcessWorkflowImpl implements ProcessWorkflow {

  public static final SearchAttributeKey<String> COMMUNITY =
      SearchAttributeKey.forKeyword("MetagovCommunity");
  public static final SearchAttributeKey<String> PROCESS =
      SearchAttributeKey.forKeyword("MetagovProcess");
  public static final SearchAttributeKey<String> STATUS =
      SearchAttributeKey.forKeyword("MetagovStatus");

  /**
   * Continue-as-new well before Temporal's history limits, so a weeks-long vote stays cheap to
   * replay.
   */
  static final int HISTORY_EVENTS_BEFORE_CONTINUE = 2_000;

  private static final Logger log = Workflow.getLogger(ProcessWorkflowImpl.class);

  /**
   * Platform 4xx and a missing config are not retried: repeating the call cannot change the answer.
   * Refused credentials are not retried either, except by the deadline close, which keeps trying
   * while a Driver mends the config.
   */
  private static RetryOptions.Builder platformRetry() {
    return RetryOptions.newBuilder()
        .setInitialInterval(Duration.ofSeconds(2))
        .setBackoffCoefficient(2.0)
        .setDoNotRetry(
            ProcessFailure.PLATFORM_REJECTED.type(),
            ProcessFailure.CONFIG_MISSING.type(),
            ProcessFailure.PLATFORM_UNAUTHORIZED.type());
  }

  private static RetryOptions.Builder platformRetryThroughRefusedCredentials() {
    return platformRetry()
        .setDoNotRetry(
            ProcessFailure.PLATFORM_REJECTED.type(), ProcessFailure.CONFIG_MISSING.type());
  }

  /** The projection must land eventually: PostgreSQL outages are retried without limit. */
  private static final RetryOptions STORE_RETRY =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setMaximumInterval(Duration.ofMinutes(1))
          .build();

  /**
   * @param scheduleToClose how long retries may go on in all, or null for no limit
   */
  private static ProcessActivities remote(
      Duration startToClose, Duration scheduleToClose, RetryOptions retry) {
    return remote(startToClose, scheduleToClose, retry, null);
  }

  /**
   * @param scheduleToClose how long retries may go on in all, or null for no limit
   * @param heartbeat how long an attempt may go without a heartbeat before it counts as lost, or
   *     null for no limit
   */
  private static ProcessActivities remote(
      Duration startToClose, Duration scheduleToClose, RetryOptions retry, Duration heartbeat) {
    ActivityOptions.Builder options =
        ActivityOptions.newBuilder().setStartToCloseTimeout(startToClose).setRetryOptions(retry);
    if (scheduleToClose != null) {
      options
          .setScheduleToCloseTimeout(scheduleToClose)
          .setRetryOptions(RetryBudget.within(retry, scheduleToClose));
    }
    if (heartbeat != null) {
      options.setHeartbeatTimeout(heartbeat);
    }
    return Workflow.newActivityStub(ProcessActivities.class, options.build());
  }

  /**
   * A local activity's retries wait in the worker, holding its workflow task open, only while the
   * wait is this short; longer waits become durable timers (the SDK's default is three workflow
   * task timeouts).
   */
  private static final Duration LOCAL_RETRY_THRESHOLD = Duration.ofSeconds(4);

  /**
   * @param scheduleToClose how long retries may go on in all, or null for no limit
   */
  private static ProcessActivities local(
      Duration startToClose, Duration scheduleToClose, RetryOptions retry) {
    LocalActivityOptions.Builder options =
        LocalActivityOptions.newBuilder()
            .setStartToCloseTimeout(startToClose)
            .setLocalRetryThreshold(LOCAL_RETRY_THRESHOLD)
            .setRetryOptions(retry);
    if (scheduleToClose != null) {
      options.setScheduleToCloseTimeout(scheduleToClose);
    }
    return Workflow.newLocalActivityStub(ProcessActivities.class, options.build());
  }

  /**
   * The platform calls' stubs, made once the start says how long a platform request may take: their
   * attempts then heartbeat, and one whose worker died is retried a heartbeat timeout after its
   * last platform request began. Only the activities' timeouts differ, which replay does not
   * compare, so no version marker is needed.
   */
  private void platformStubs(PlatformCallTimeouts timeouts) {
    Duration heartbeat = timeouts == null ? null : timeouts.heartbeatTimeout();
    platform =
        remote(
            Duration.ofSeconds(60),
            Duration.ofHours(1),
            platformRetry().setMaximumInterval(Duration.ofMinutes(5)).build(),
            heartbeat);
    creation =
        remote(
            Duration.ofSeconds(60),
            Duration.ofDays(1),
            platformRetry().setMaximumInterval(Duration.ofMinutes(10)).build(),
            heartbeat);
    deadlineClose =
        remote(
            Duration.ofSeconds(60),
            Duration.ofDays(7),
            platformRetryThroughRefusedCredentials()
                .setMaximumInterval(Duration.ofMinutes(10))
                .build(),
            heartbeat);
    earlyClose =
        remote(
            Duration.ofSeconds(20),
            null,
            platformRetry().setMaximumInterval(Duration.ofSeconds(5)).setMaximumAttempts(3).build(),
            heartbeat);
  }

  /**
   * Re-reading: a platform outage is retried for an hour, then the next reconciliation tries again.
   */
  private ProcessActivities platform;

  /**
   * Creating the process on the platform: retried for a day before the process is declared failed.
   */
  private ProcessActivities creation;

  /**
   * Closing at the deadline must happen: retried for a week before the process is declared failed.
   */
  private ProcessActivities deadlineClose;

  /**
   * Closing early answers a waiting Driver: a few quick attempts, then the DELETE reports the
   * failure.
   */
  private ProcessActivities earlyClose;

  private final ProcessActivities store = remote(Duration.ofSeconds(15), null, STORE_RETRY);

  /**
   * Version 1 re-reads the platform and writes the projection as local activities: they run in the
   * worker without a round trip through the server, which makes a webhook visible sooner and keeps
   * the history shorter. Histories recorded before carry no marker and replay with remote
   * activities.
   */
  static final String LOCAL_READS_CHANGE = "local-refresh-and-projection";

  private final ProcessActivities localPlatform =
      local(
          Duration.ofSeconds(60),
          Duration.ofHours(1),
          platformRetry().setMaximumInterval(Duration.ofMinutes(5)).build());

  /**
   * A local activity needs a schedule-to-close timeout to be retried at all when its attempts are
   * unlimited (the SDK then treats its retry policy as unset), so the local bookkeeping gets a
   * window; {@link #untilItLands} waits and tries again once the window has passed.
   */
  private static final Duration LOCAL_BOOKKEEPING_WINDOW = Duration.ofMinutes(10);

  private final ProcessActivities localStore =
      local(Duration.ofSeconds(15), LOCAL_BOOKKEEPING_WINDOW, STORE_RETRY);

  /**
   * Version 1 continues as new once the history is long even while webhook hints are pending: the
   * wake that would have refreshed is handed to the next run as {@link ProcessState#refreshOwed()}.
   * Before it, a run continued only right after a refresh and only with no hint pending; the hints
   * that arrived during that refresh either held it back or made the server refuse the
   * continue-as-new (it will not end a run while new signals wait), so under a steady storm of
   * webhooks its history grew without bound. Histories recorded before carry no marker and replay
   * the old rule.
   */
  static final String CONTINUE_THROUGH_HINTS_CHANGE = "continue-as-new-through-hints";

  /**
   * Version 1 starts the result delivery from an activity, as a workflow of its own, instead of as
   * an abandoned child. Nothing is lost either way; but the Java test server holds its
   * time-skipping lock for as long as an abandoned child runs after its parent ended, which froze
   * the clock of every later test. Histories recorded before carry no marker and replay the child.
   */
  static final String RESULT_DELIVERY_BY_ACTIVITY_CHANGE = "result-delivery-started-by-activity";

  /**
   * Version 1 honours {@link ProcessStart#liveCallbacks()}: every projected change of an open
   * process is announced to its {@link LiveCallbackWorkflow}, and the final callback, which then
   * carries its version, is handed to that workflow instead of being started here, so it cannot
   * overtake an update still in flight. Histories recorded before carry no marker and never
   * announce.
   */
  static final String LIVE_CALLBACKS_CHANGE = "live-callbacks";

  /**
   * Version 1 never lets the bookkeeping fail a process: a projection write or a live-callback
   * announcement that fails (PostgreSQL down, its pool starved, Temporal's frontend unreachable) is
   * tried again a minute later until it lands. Before it, the first failed local attempt failed the
   * whole process. The marker is read only on that failure, so histories without one replay as they
   * were recorded.
   */
  static final String BOOKKEEPING_UNTIL_IT_LANDS_CHANGE = "bookkeeping-retried-until-it-lands";

  static final Duration BOOKKEEPING_PAUSE = Duration.ofMinutes(1);

  /**
   * Version 1 stands for every change above at its version 1: a run started since records this one
   * marker instead of one for each change it asks about (three at its start, a fourth before its
   * result is delivered), which spares every start two history events and the worker's and the
   * server's work on them. Histories recorded before carry no marker for it and ask about each
   * change as they did.
   */
  static final String ALL_CHANGES_CHANGE = "process-all-changes-v1";

  /**
   * Announcing changes to the live callback workflow: a signal to Temporal, retried without limit.
   */
  private final LiveCallbackActivities liveCallbackAnnouncer =
      Workflow.newLocalActivityStub(
          LiveCallbackActivities.class,
          LocalActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofSeconds(15))
              .setScheduleToCloseTimeout(LOCAL_BOOKKEEPING_WINDOW)
              .setLocalRetryThreshold(LOCAL_RETRY_THRESHOLD)
              .setRetryOptions(STORE_RETRY)
              .build());

  private boolean allChanges;
  private boolean localReads;
  private boolean liveCallbacks;
  private boolean continueThroughHints;
  private ProcessStart start;
  private ProcessState state;
  private int pendingHints;
  private boolean closeRequested;
  private String closeError;
  private int closeFailures;
  private long projectedVersion;

  @Override
  public ProcessRecord run(ProcessStart start) {
    this.start = start;
    platformStubs(start.platformTimeouts());
    allChanges = Workflow.getVersion(ALL_CHANGES_CHANGE, Workflow.DEFAULT_VERSION, 1) >= 1;
    localReads = allChanges || changed(LOCAL_READS_CHANGE);
    continueThroughHints = allChanges || changed(CONTINUE_THROUGH_HINTS_CHANGE);
    liveCallbacks =
        (allChanges || changed(LIVE_CALLBACKS_CHANGE))
            && start.liveCallbacks()
            && start.callbackUrl() != null
            && !start.callbackUrl().isBlank();
    if (start.carried() != null) {
      state = start.carried();
      if (state.refreshOwed()) {
        pendingHints = 1;
      }
    } else {
      state =
          new ProcessState(
              ProcessStatus.CREATED, null, Map.of(), Map.of(), Map.of(), List.of(), 0, false);
      try {
        PlatformSnapshot created = creation.start(call());
        apply(
            created, created.closed() ? ProcessStatus.COMPLETED : ProcessStatus.PENDING, Map.of());
      } catch (ActivityFailure failure) {
        apply(null, ProcessStatus.FAILED, Map.of("start", Failures.message(failure)));
      }
    }
    while (!record().ended()) {
      long now = Workflow.currentTimeMillis();
      if (start.closingAtMillis() > 0 && now >= start.closingAtMillis()) {
        closeAtDeadline();
        break;
      }
      Duration wait = nextWake(now);
      if (wait == null) {
        Workflow.await(() -> closeRequested || pendingHints > 0);
      } else {
        Workflow.await(wait, () -> closeRequested || pendingHints > 0);
      }
      if (closeRequested) {
        closeEarly();
        continue;
      }
      if (start.closingAtMillis() > 0 && Workflow.currentTimeMillis() >= start.closingAtMillis()) {
        continue;
      }
      if (continueThroughHints && historyIsLong()) {
        // Continue before refreshing: under a storm of hints the server refuses to end a run while
        // new signals
        // wait, so the task that ends it has to be short. Signal handlers finish at once; only a
        // close update
        // waits, and it cannot be carried over, so it is served first.
        Workflow.await(() -> Workflow.isEveryHandlerFinished() || closeRequested);
        if (!closeRequested) {
          Workflow.continueAsNew(start.continuedWith(state.owingRefresh()));
        }
        continue;
      }
      pendingHints = 0;
      refresh();
      if (!continueThroughHints && !record().ended() && historyIsLong()) {
        // A close update in flight waits for this loop, so wait for handlers only while none is
        // pending.
        Workflow.await(
            () -> Workflow.isEveryHandlerFinished() || closeRequested || pendingHints > 0);
        if (!closeRequested && pendingHints == 0) {
          Workflow.continueAsNew(start.continuedWith(state));
        }
      }
    }
    Workflow.await(() -> Workflow.isEveryHandlerFinished());
    deliverResult();
    return record();
  }

  @Override
  public void platformUpdate(PlatformHint hint) {
    pendingHints++;
  }

  @Override
  public ProcessRecord close() {
    closeRequested = true;
    // Answer only once the final state is in PostgreSQL, so a GET after the DELETE agrees with it.
    int failuresBefore = closeFailures;
    Workflow.await(
        () ->
            (record().ended() && projectedVersion == state.version())
                || closeFailures > failuresBefore);
    if (record().ended()) {
      return record();
    }
    // Every close waiting when an attempt fails is told so; none waits on for the next one.
    String error = closeError;
    throw ApplicationFailure.newNonRetryableFailure(error, ProcessFailure.CLOSE_FAILED.type());
  }

  @Override
  public void validateClose() {
    if (state != null && record().ended()) {
      throw new IllegalStateException(
          "The process has already ended with status " + state.status().wireName() + ".");
    }
  }

  @Override
  public ProcessRecord record() {
    if (state == null) {
      return new ProcessRecord(0, null, null, ProcessStatus.CREATED, null, Map.of(), Map.of());
    }
    return new ProcessRecord(
        start.id(),
        start.name(),
        start.community(),
        state.status(),
        state.url(),
        state.errors(),
        state.outcome());
  }

  private Duration nextWake(long now) {
    Duration untilClose =
        start.closingAtMillis() > 0 ? Duration.ofMillis(start.closingAtMillis() - now) : null;
    Duration reconcile =
        start.reconcileSeconds() > 0 ? Duration.ofSeconds(start.reconcileSeconds()) : null;
    if (untilClose == null) {
      return reconcile;
    }
    return reconcile == null || untilClose.compareTo(reconcile) < 0 ? untilClose : reconcile;
  }

  private void refresh() {
    try {
      PlatformSnapshot snapshot = (localReads ? localPlatform : platform).refresh(call());
      apply(
          snapshot, snapshot.closed() ? ProcessStatus.COMPLETED : ProcessStatus.PENDING, Map.of());
    } catch (ActivityFailure failure) {
      if (ProcessFailure.PLATFORM_REJECTED.is(Failures.type(failure))) {
        apply(null, ProcessStatus.FAILED, Map.of("refresh", Failures.message(failure)));
      } else {
        log.warn(
            "Process {} could not be refreshed; the next reconciliation will retry: {}",
            start.id(),
            Failures.message(failure));
      }
    }
  }

  private void closeAtDeadline() {
    try {
      apply(deadlineClose.close(call()), ProcessStatus.COMPLETED, Map.of());
    } catch (ActivityFailure failure) {
      apply(null, ProcessStatus.FAILED, Map.of("close", Failures.message(failure)));
    }
  }

  private void closeEarly() {
    try {
      apply(earlyClose.close(call()), ProcessStatus.COMPLETED, Map.of());
    } catch (ActivityFailure failure) {
      closeError = "The platform could not close the process: " + Failures.message(failure);
      closeFailures++;
    }
    closeRequested = false;
  }

  /**
   * Applies a platform snapshot (or only a status and errors) and projects the change, if there is
   * one.
   */
  private void apply(PlatformSnapshot snapshot, ProcessStatus status, Map<String, Object> errors) {
    Map<String, Object> mergedErrors = state.errors();
    if (!errors.isEmpty()) {
      mergedErrors = new LinkedHashMap<>(state.errors());
      mergedErrors.putAll(errors);
    }
    ProcessState next =
        new ProcessState(
            status,
            snapshot == null || snapshot.url() == null ? state.url() : snapshot.url(),
            snapshot == null || snapshot.outcome() == null ? state.outcome() : snapshot.outcome(),
            mergedErrors,
            snapshot == null || snapshot.platformState() == null
                ? state.platformState()
                : snapshot.platformState(),
            snapshot == null || snapshot.routingKeys() == null
                ? state.routingKeys()
                : snapshot.routingKeys(),
            state.version(),
            false);
    if (sameVisibleState(next)) {
      state = next;
      return;
    }
    state =
        new ProcessState(
            next.status(),
            next.url(),
            next.outcome(),
            next.errors(),
            next.platformState(),
            next.routingKeys(),
            state.version() + 1,
            false);
    if (start.searchAttributes()) {
      Workflow.upsertTypedSearchAttributes(STATUS.valueSet(status.wireName()));
    }
    ProcessProjection projection =
        new ProcessProjection(record(), state.version(), state.routingKeys());
    untilItLands("projection", () -> (localReads ? localStore : store).project(projection));
    projectedVersion = state.version();
    if (liveCallbacks && status.isOpen()) {
      long version = state.version();
      untilItLands(
          "live callback announcement",
          () -> liveCallbackAnnouncer.announceChange(LiveCallbacks.of(start), version));
    }
  }

  /** Runs a bookkeeping activity, waiting and trying again after a failure (since version 1). */
  private void untilItLands(String what, Runnable bookkeeping) {
    while (true) {
      try {
        bookkeeping.run();
        return;
      } catch (ActivityFailure failure) {
        if (!allChanges && !changed(BOOKKEEPING_UNTIL_IT_LANDS_CHANGE)) {
          throw failure;
        }
        log.warn(
            "The {} of process {} failed; trying again in {}: {}",
            what,
            start.id(),
            BOOKKEEPING_PAUSE,
            Failures.message(failure));
        Workflow.sleep(BOOKKEEPING_PAUSE);
      }
    }
  }

  /** Whether this run has the change at its version 1 (asked of histories that predate it). */
  private static boolean changed(String change) {
    return Workflow.getVersion(change, Workflow.DEFAULT_VERSION, 1) >= 1;
  }

  private boolean sameVisibleState(ProcessState next) {
    return state.version() > 0
        && Objects.equals(state.status(), next.status())
        && Objects.equals(state.url(), next.url())
        && Objects.equals(state.outcome(), next.outcome())
        && Objects.equals(state.errors(), next.errors())
        && Objects.equals(state.routingKeys(), next.routingKeys());
  }

  private PlatformCall call() {
    return new PlatformCall(
        start.id(),
        start.community(),
        start.plugin(),
        start.process(),
        start.parameters(),
        state.platformState());
  }

  private boolean historyIsLong() {
    return Workflow.getInfo().getHistoryLength() > HISTORY_EVENTS_BEFORE_CONTINUE
        || Workflow.getInfo().isContinueAsNewSuggested();
  }

  private void deliverResult() {
    if (start.callbackUrl() == null || start.callbackUrl().isBlank()) {
      return;
    }
    ProcessRecord record = record();
    String deliveryId = "process-" + start.id() + "-result";
    if (liveCallbacks) {
      Delivery result =
          new Delivery(
              deliveryId,
              DeliveryKind.CALLBACK,
              start.community(),
              start.id(),
              start.callbackUrl(),
              record.liveCallbackBody(state.version(), true));
      untilItLands(
          "final live callback announcement",
          () -> liveCallbackAnnouncer.announceEnd(LiveCallbacks.of(start), result));
      return;
    }
    Delivery delivery =
        new Delivery(
            deliveryId,
            DeliveryKind.CALLBACK,
            start.community(),
            start.id(),
            start.callbackUrl(),
            record.callbackBody());
    if (allChanges || changed(RESULT_DELIVERY_BY_ACTIVITY_CHANGE)) {
      store.startResultDelivery(delivery, start.deliveryPolicy());
      return;
    }
    DeliveryWorkflow child =
        Workflow.newChildWorkflowStub(
            DeliveryWorkflow.class,
            ChildWorkflowOptions.newBuilder()
                .setWorkflowId(DeliveryWorkflow.workflowId(delivery.id()))
                .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .build());
    try {
      Async.function(child::deliver, delivery, start.deliveryPolicy());
      Workflow.getWorkflowExecution(child).get();
    } catch (ChildWorkflowFailure failure) {
      log.warn(
          "The result delivery of process {} was already started: {}",
          start.id(),
          failure.getMessage());
    }
  }
}
