package org.metagov.api.config;

import io.temporal.internal.testservice.TestServicesStarter;
import io.temporal.testing.TestWorkflowEnvironment;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mends a leak in Temporal's Java test server, the server of the embedded run and of the tests.
 *
 * <p>The server's self-advancing timer keeps a linked list of lock events "for debugging purposes
 * only". Every activity, child workflow and query takes and releases a time-skipping lock by name,
 * and each of those adds an event that nothing ever removes; every state change of every workflow
 * takes a lock through a handle, whose release removes its event with a linear search from the
 * list's head. So the list grows with every activity the server has ever run, and each workflow
 * task, activity and signal costs time in proportion to the server's age: in the process benchmark
 * more than a third of all CPU went into that search, and an embedded instance kept growing its
 * heap for as long as it ran.
 *
 * <p>This replaces the list with one that holds its events weakly: an event a live handle will
 * release stays until it is released, found in constant time; the events nothing refers to (the
 * named ones) are dropped by the garbage collector. The lock counting that decides time skipping is
 * a separate counter and is untouched. The list's own order is lost, which only the server's
 * diagnostic dump of outstanding locks shows.
 *
 * <p>The server's internals are reached by reflection, since they are not public; if a later SDK
 * changes them, {@link #install} leaves the server as it is and says so in the log.
 */
public final class TestServerLockEvents {

  private static final Logger log = LoggerFactory.getLogger(TestServerLockEvents.class);

  private TestServerLockEvents() {}

  /** Installs the weak event list in the in-process server of {@code environment}. */
  public static boolean install(TestWorkflowEnvironment environment) {
    try {
      Object server = read(environment, "inProcessServer");
      if (server == null) {
        return false; // an environment backed by an external server
      }
      return installInTimer(timer(environment));
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn(
          "Could not mend the Temporal test server's lock event list; it keeps growing with every"
              + " activity it runs: {}",
          e.toString());
      return false;
    }
  }

  /** Installs the weak event list in a test server started on its own. */
  public static boolean install(TestServicesStarter testServicesStarter) {
    try {
      return installInTimer(read(testServicesStarter, "selfAdvancingTimer"));
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn("Could not mend the Temporal test server's lock event list: {}", e.toString());
      return false;
    }
  }

  /** Whether the server of {@code environment} has the weak event list (for tests). */
  static boolean installed(TestWorkflowEnvironment environment)
      throws ReflectiveOperationException {
    return read(timer(environment), "lockEvents") instanceof WeakLockEvents;
  }

  /** How many lock events the server of {@code environment} holds now (for tests). */
  static int heldEvents(TestWorkflowEnvironment environment) throws ReflectiveOperationException {
    Object timer = timer(environment);
    Lock lock = (Lock) read(timer, "lock");
    lock.lock();
    try {
      return ((Collection<?>) read(timer, "lockEvents")).size();
    } finally {
      lock.unlock();
    }
  }

  private static Object timer(TestWorkflowEnvironment environment)
      throws ReflectiveOperationException {
    return read(
        read(read(environment, "inProcessServer"), "testServicesStarter"), "selfAdvancingTimer");
  }

  private static boolean installInTimer(Object timer) throws ReflectiveOperationException {
    Field events = field(timer.getClass(), "lockEvents");
    Lock lock = (Lock) read(timer, "lock");
    lock.lock();
    try {
      Object current = events.get(timer);
      if (current instanceof WeakLockEvents) {
        return true;
      }
      events.set(timer, new WeakLockEvents((Collection<?>) current));
      log.info(
          "Mended the Temporal test server's lock event list, which would grow with every activity.");
      return true;
    } finally {
      lock.unlock();
    }
  }

  private static Object read(Object target, String name) throws ReflectiveOperationException {
    return field(target.getClass(), name).get(target);
  }

  private static Field field(Class<?> type, String name) throws NoSuchFieldException {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      try {
        Field field = c.getDeclaredField(name);
        field.setAccessible(true);
        return field;
      } catch (NoSuchFieldException e) {
        // look in the superclass
      }
    }
    throw new NoSuchFieldException(type.getName() + "." + name);
  }

  /**
   * The server declares the field a {@code LinkedList}, so the replacement is one; it uses only
   * {@code add}, {@code remove(Object)} and iteration, always under the timer's lock.
   */
  @SuppressWarnings("JdkObsolete") // the field's declared type
  static final class WeakLockEvents extends LinkedList<Object> {

    private static final long serialVersionUID = 1L;

    // Lock events do not override equals, so the map compares them by identity.
    private final transient Map<Object, Boolean> held =
        Collections.synchronizedMap(new WeakHashMap<>());

    WeakLockEvents(Collection<?> events) {
      events.forEach(event -> held.put(event, Boolean.TRUE));
    }

    @Override
    public boolean add(Object event) {
      held.put(event, Boolean.TRUE);
      return true;
    }

    @Override
    public boolean remove(Object event) {
      return held.remove(event) != null;
    }

    @Override
    public Iterator<Object> iterator() {
      synchronized (held) {
        return new ArrayList<>(held.keySet()).iterator();
      }
    }

    @Override
    public int size() {
      return held.size();
    }

    @Override
    public boolean isEmpty() {
      return held.isEmpty();
    }

    @Override
    public boolean equals(Object other) {
      return this == other;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(this);
    }
  }
}
