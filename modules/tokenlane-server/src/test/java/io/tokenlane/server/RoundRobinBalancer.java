package io.tokenlane.server;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A layer-4 load balancer on 127.0.0.1, as a Kubernetes Service is: each new TCP connection goes to the next
 * backend in turn, bytes are piped both ways, and nothing ever moves an open connection.
 */
final class RoundRobinBalancer implements AutoCloseable {

  private final NetServer server;
  private final NetClient client;
  private final List<Integer> backends = new CopyOnWriteArrayList<>();
  private final AtomicLong next = new AtomicLong();

  private RoundRobinBalancer(Vertx vertx) {
    this.client = vertx.createNetClient();
    this.server = vertx.createNetServer().connectHandler(this::accept);
  }

  static RoundRobinBalancer start(Vertx vertx, List<Integer> backends) throws Exception {
    RoundRobinBalancer balancer = new RoundRobinBalancer(vertx);
    balancer.backends.addAll(backends);
    balancer.server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return balancer;
  }

  int port() {
    return server.actualPort();
  }

  void addBackend(int port) {
    backends.add(port);
  }

  /** Takes a backend out of the rotation, as a failing readiness probe does; its open connections stay. */
  void removeBackend(int port) {
    backends.remove(Integer.valueOf(port));
  }

  private void accept(NetSocket front) {
    front.pause();
    connect(front, backends.size());
  }

  /** The next backend in turn; one that refuses the connection is skipped, as a balancer's health check would. */
  private void connect(NetSocket front, int attemptsLeft) {
    List<Integer> current = List.copyOf(backends);
    if (current.isEmpty() || attemptsLeft == 0) {
      front.close();
      return;
    }
    int backend = current.get((int) (next.getAndIncrement() % current.size()));
    client.connect(backend, "127.0.0.1").onComplete(connected -> {
      if (connected.failed()) {
        connect(front, attemptsLeft - 1);
        return;
      }
      NetSocket back = connected.result();
      front.pipeTo(back);
      back.pipeTo(front);
      front.resume();
    });
  }

  @Override
  public void close() throws Exception {
    Future.all(server.close(), client.close()).await(10, TimeUnit.SECONDS);
  }
}
