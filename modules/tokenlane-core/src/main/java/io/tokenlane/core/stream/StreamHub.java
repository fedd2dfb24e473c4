package io.tokenlane.core.stream;

import io.tokenlane.core.Gateway;
import io.tokenlane.core.impl.LocalStreamHub;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * The streams of the native protocol, independent of any transport: each stream belongs to a session, keeps its
 * events in a bounded replay buffer, can be followed, resumed, polled and cancelled from any connection of that
 * session, and survives its connections for a detach grace.
 */
public interface StreamHub {

  /**
   * A hub for one gateway instance.
   *
   * @param vertx the Vert.x instance (one periodic timer sweeps detached and expired streams)
   * @param gateway where streams are opened
   * @param options the bounds
   * @return the hub; {@link #close()} it with the gateway
   */
  static StreamHub create(Vertx vertx, Gateway gateway, StreamHubOptions options) {
    return new LocalStreamHub(vertx, gateway, options);
  }

  /**
   * What {@link #open} returns.
   *
   * @param stream the stream
   * @param created {@code false} when the request id matched a stream this session already started
   */
  record Opened(HubStream stream, boolean created) {
  }

  /**
   * Starts a stream, or returns the one this session started with the same {@code requestId}. Call on an event
   * loop.
   *
   * @param sessionId the session
   * @param requestId the client's idempotency key, or {@code null}
   * @param body a validated chat-completions body
   * @return the stream
   * @throws io.tokenlane.core.GatewayException 404 {@code model_not_found}, 429 {@code too_many_streams},
   *     503 {@code shutting_down}
   */
  Opened open(String sessionId, String requestId, JsonObject body);

  /**
   * A stream of a session.
   *
   * @param sessionId the session asking
   * @param streamId the stream
   * @return the stream
   * @throws io.tokenlane.core.GatewayException 404 {@code stream_not_found} when there is no such stream for this
   *     session (also when it belongs to another one)
   */
  HubStream get(String sessionId, String streamId);

  /** @return the options */
  StreamHubOptions options();

  /** @return how many streams are kept (running, or ended and still resumable) */
  int size();

  /** Stops sweeping. Streams end with the gateway. */
  void close();
}
