package io.tokenlane.core.stream;

import io.tokenlane.core.Gateway;
import io.tokenlane.core.cluster.StreamDirectory;
import io.tokenlane.core.impl.LocalStreamHub;
import io.tokenlane.core.metrics.Meters;
import io.vertx.core.Future;
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
    return create(vertx, gateway, options, StreamDirectory.local());
  }

  /**
   * A hub whose streams are shared through a directory: the cluster's, or {@link StreamDirectory#local()}.
   *
   * @param vertx the Vert.x instance
   * @param gateway where streams are opened
   * @param options the bounds
   * @param directory what the members share
   * @return the hub; {@link #close()} it with the gateway
   */
  static StreamHub create(Vertx vertx, Gateway gateway, StreamHubOptions options, StreamDirectory directory) {
    return new LocalStreamHub(vertx, gateway, options, directory, Meters.none());
  }

  /**
   * A hub whose streams are shared through a directory, metered: resumes, resets, replay buffer sizes and
   * detached streams.
   *
   * @param vertx the Vert.x instance
   * @param gateway where streams are opened
   * @param options the bounds
   * @param directory what the members share
   * @param meters where the meters go
   * @return the hub; {@link #close()} it with the gateway
   */
  static StreamHub create(Vertx vertx, Gateway gateway, StreamHubOptions options, StreamDirectory directory,
                          Meters meters) {
    return new LocalStreamHub(vertx, gateway, options, directory, meters);
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
   * @return the stream, completed on the caller's context, or failed with a
   *     {@link io.tokenlane.core.GatewayException}: 404 {@code model_not_found}, 429 {@code too_many_streams},
   *     503 {@code shutting_down}
   */
  default Future<Opened> open(String sessionId, String requestId, JsonObject body) {
    return open(sessionId, requestId, body, io.tokenlane.core.auth.Ticket.NONE);
  }

  /**
   * Starts a stream counted against its principal's limits, or returns the one this session started with the same
   * {@code requestId}. Call on an event loop.
   *
   * @param sessionId the session
   * @param requestId the client's idempotency key, or {@code null}
   * @param body a validated chat-completions body
   * @param ticket the admission: settled when the stream ends, refunded when no stream starts
   * @return as {@link #open(String, String, JsonObject)}
   */
  default Future<Opened> open(String sessionId, String requestId, JsonObject body,
                              io.tokenlane.core.auth.Ticket ticket) {
    return open(sessionId, requestId, body, ticket, null);
  }

  /**
   * As {@link #open(String, String, JsonObject, io.tokenlane.core.auth.Ticket)}, naming the HTTP request that
   * carried the prompt: its id goes upstream ({@code X-Request-Id}) and into the stream's log line.
   *
   * @param sessionId the session
   * @param requestId the client's idempotency key, or {@code null}
   * @param body a validated chat-completions body
   * @param ticket the admission
   * @param httpRequestId the {@code X-Request-Id} of the request or WebSocket upgrade that carried the prompt, or
   *     {@code null}
   * @return as {@link #open(String, String, JsonObject)}
   */
  Future<Opened> open(String sessionId, String requestId, JsonObject body, io.tokenlane.core.auth.Ticket ticket,
                      String httpRequestId);

  /**
   * A stream of a session.
   *
   * @param sessionId the session asking
   * @param streamId the stream
   * @return the stream (owned here, or a mirror of another member's), completed on the caller's context, or failed
   *     with a {@link io.tokenlane.core.GatewayException} 404 {@code stream_not_found} when there is no such stream
   *     for this session (also when it belongs to another one)
   */
  Future<HubStream> get(String sessionId, String streamId);

  /**
   * How a prompt is admitted again when this member re-issues it for a member that was lost mid-stream
   * ({@code cluster.reissue}). Without it the re-issued generation counts against no limit.
   *
   * @param readmission the first ticket's {@link io.tokenlane.core.auth.Ticket#describe()} (or {@code null}) and
   *     the prompt, to a ticket
   */
  default void readmitWith(java.util.function.BiFunction<JsonObject, JsonObject,
      Future<io.tokenlane.core.auth.Ticket>> readmission) {
  }

  /** @return the options */
  StreamHubOptions options();

  /** @return how many streams this member keeps (running, or ended and still resumable), mirrors excluded */
  int size();

  /** @return the directory this hub shares streams through */
  StreamDirectory directory();

  /** Stops sweeping. Streams end with the gateway. */
  void close();
}
