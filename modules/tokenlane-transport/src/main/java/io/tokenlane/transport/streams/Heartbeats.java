package io.tokenlane.transport.streams;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One periodic timer for every native connection of an API instance: each tick runs every connection's
 * heartbeat on the connection's own event loop. No timer per connection.
 */
final class Heartbeats {

  /** A connection that takes heartbeats. */
  interface Beating {
    /** @return the connection's context */
    Context context();

    /** Sends a heartbeat, or closes the connection if it is dead. Called on {@link #context()}. */
    void beat();

    /**
     * Asks the client to reconnect, through whatever balancer is in front, and resume from where it is: the member
     * drains or has more connections than its share. Closes the connection; its streams run on. Called on
     * {@link #context()}.
     *
     * @param reason why, for the client
     */
    void reconnect(String reason);
  }

  private final Vertx vertx;
  private final Set<Beating> connections = ConcurrentHashMap.newKeySet();
  private final long timerId;

  Heartbeats(Vertx vertx, long intervalMs) {
    this.vertx = vertx;
    this.timerId = vertx.setPeriodic(intervalMs, t -> tick());
  }

  void add(Beating connection) {
    connections.add(connection);
  }

  void remove(Beating connection) {
    connections.remove(connection);
  }

  int size() {
    return connections.size();
  }

  /**
   * Asks up to {@code max} connections to reconnect elsewhere.
   *
   * @param max how many
   * @param reason why, for the clients
   * @return how many were asked
   */
  int reconnect(int max, String reason) {
    int asked = 0;
    for (Beating connection : connections) {
      if (asked >= max) {
        break;
      }
      if (connections.remove(connection)) {
        asked++;
        connection.context().runOnContext(v -> connection.reconnect(reason));
      }
    }
    return asked;
  }

  private void tick() {
    for (Beating connection : connections) {
      connection.context().runOnContext(v -> connection.beat());
    }
  }

  void close() {
    vertx.cancelTimer(timerId);
    connections.clear();
  }
}
