package org.metagov.api.config;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.stub.StreamObserver;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesResponse;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A Temporal frontend that speaks only TLS, on 127.0.0.1: it answers {@code GetSystemInfo} (what
 * the SDK asks first) and {@code ListSearchAttributes} (none registered), and records, for every
 * call, the TLS session's client certificate and the {@code authorization} header. Client
 * certificates are optional, and must be signed by the test CA when presented.
 */
final class FakeTlsFrontend implements AutoCloseable {

  /**
   * What one call carried. {@code clientCertificate} is the subject of the client's certificate, or
   * null.
   */
  record Call(String method, boolean tls, String clientCertificate, String authorization) {}

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final Server server;

  FakeTlsFrontend(File serverCert, File serverKey, File clientCa) throws Exception {
    ServerInterceptor recorder =
        new ServerInterceptor() {
          @Override
          public <Q, A> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            calls.add(
                new Call(
                    call.getMethodDescriptor().getBareMethodName(),
                    session != null,
                    clientSubject(session),
                    headers.get(AUTHORIZATION)));
            return next.startCall(call, headers);
          }
        };
    WorkflowServiceGrpc.WorkflowServiceImplBase service =
        new WorkflowServiceGrpc.WorkflowServiceImplBase() {
          @Override
          public void getSystemInfo(
              GetSystemInfoRequest request, StreamObserver<GetSystemInfoResponse> answer) {
            answer.onNext(
                GetSystemInfoResponse.newBuilder().setServerVersion("fake-tls-frontend").build());
            answer.onCompleted();
          }
        };
    OperatorServiceGrpc.OperatorServiceImplBase operator =
        new OperatorServiceGrpc.OperatorServiceImplBase() {
          @Override
          public void listSearchAttributes(
              ListSearchAttributesRequest request,
              StreamObserver<ListSearchAttributesResponse> answer) {
            answer.onNext(ListSearchAttributesResponse.getDefaultInstance());
            answer.onCompleted();
          }
        };
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .sslContext(
                GrpcSslContexts.forServer(serverCert, serverKey)
                    .trustManager(clientCa)
                    .clientAuth(ClientAuth.OPTIONAL)
                    .build())
            .addService(ServerInterceptors.intercept(service, recorder))
            .addService(ServerInterceptors.intercept(operator, recorder))
            .build()
            .start();
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  List<Call> calls() {
    return List.copyOf(calls);
  }

  private static String clientSubject(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return ((X509Certificate) chain[0]).getSubjectX500Principal().getName();
    } catch (SSLPeerUnverifiedException noClientCertificate) {
      return null;
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination();
  }
}
