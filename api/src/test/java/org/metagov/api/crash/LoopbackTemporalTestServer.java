package org.metagov.api.crash;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.metagov.api.config.TestServerLockEvents;

/**
 * The standalone Temporal Java test server, run by {@link ProcessCrashIT} in its own OS process so
 * that it outlives the application it kills. It is {@code io.temporal.testserver.TestServer <port>}
 * (time skipping off: the first argument of {@code TestServicesStarter} locks time skipping) with
 * two differences: it listens on 127.0.0.1 only, where {@code TestServer} binds every interface,
 * and its lock event list is mended ({@link TestServerLockEvents}).
 *
 * <p>Usage: {@code java -cp <test classpath> org.metagov.api.crash.LoopbackTemporalTestServer
 * <port>}. It prints {@code TEMPORAL TEST SERVER READY <port>} once it accepts connections and runs
 * until killed.
 */
public final class LoopbackTemporalTestServer {

  private LoopbackTemporalTestServer() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("Usage: LoopbackTemporalTestServer <port>");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    TestServicesStarter services =
        new TestServicesStarter(true, 0); // lockTimeSkipping = true: real time
    TestServerLockEvents.install(services);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    Server server = builder.build().start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.shutdownNow();
                  services.close();
                }));
    System.out.println("TEMPORAL TEST SERVER READY " + port);
    System.out.flush();
    server.awaitTermination();
  }
}
