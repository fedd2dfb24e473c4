package io.tokenlane.core.cluster;

import io.tokenlane.core.stream.HubStream;
import io.tokenlane.core.stream.StreamEvent;
import io.vertx.core.Future;
import java.util.function.Consumer;

/**
 * What the members of a gateway share about streams, behind one interface with two homes: {@link #local()} for a
 * single node (today's fast path: every call completes at once, in memory) and a Hazelcast-backed one in
 * {@code tokenlane-cluster}. The {@link io.tokenlane.core.stream.StreamHub} asks it where a stream lives, who
 * holds a request id, how many streams a session runs, and how to reach a stream owned by another member.
 *
 * <p>Every method is called on an event loop, and every future completes on the caller's context.
 */
public interface StreamDirectory {

  /** @return a directory for a single node, in memory */
  static StreamDirectory local() {
    return new LocalDirectory();
  }

  /** Where a stream lives. */
  record Location(String streamId, String sessionId, String requestId, String owner) {
  }

  /** @return this member's id ({@code local} on a single node) */
  String memberId();

  /** @return whether streams may live on other members */
  default boolean clustered() {
    return false;
  }

  /**
   * Shares this member's streams in flight per routing target and reads the other live members', so that
   * least-busy routing counts the whole cluster's streams (as of the last exchange) and not only its own.
   *
   * @param mine streams in flight on this member, by key ({@code model#targetIndex})
   * @param ttlMs how long these counts stand without a refresh: a member that left stops counting after it
   * @return the sums over the other live members, by key; empty when not clustered
   */
  default Future<java.util.Map<String, Integer>> shareRouteLoad(java.util.Map<String, Integer> mine, long ttlMs) {
    return Future.succeededFuture(java.util.Map.of());
  }

  /** @return a new stream id; a cluster's names the member that owns the stream, so others reach it directly */
  default String newStreamId() {
    return io.tokenlane.core.session.SessionTokens.randomId("st-");
  }

  /**
   * The live member that owns a stream, when its id says so.
   *
   * @param streamId a stream id
   * @return the owner's member id, or {@code null} when the id names none alive (then {@link #locate} knows)
   */
  default String ownerOf(String streamId) {
    return null;
  }

  /**
   * Claims a request id for a new stream, atomically across members: the same prompt sent twice at once, to any
   * members, starts one stream.
   *
   * @param sessionId the session
   * @param requestId the client's idempotency key
   * @param streamId the new stream's id
   * @return the id of the stream that holds the request id: {@code streamId} when claimed now
   */
  Future<String> claim(String sessionId, String requestId, String streamId);

  /**
   * Gives up a claim made for a stream that did not start (refused, or its claimed stream is gone).
   *
   * @param sessionId the session
   * @param requestId the request id
   * @param streamId the stream that claimed it
   */
  void unclaim(String sessionId, String requestId, String streamId);

  /**
   * Takes one of a session's running-stream slots.
   *
   * @param sessionId the session
   * @param streamId the stream that takes it
   * @param max the session's limit
   * @return whether a slot was free
   */
  Future<Boolean> reserve(String sessionId, String streamId, int max);

  /**
   * Frees the slot of a stream that ended (or never started).
   *
   * @param sessionId the session
   * @param streamId the stream
   */
  void release(String sessionId, String streamId);

  /**
   * Makes a stream opened on this member findable by the others.
   *
   * @param location the stream, owned here
   * @return completes once every member can find it
   */
  Future<Void> register(Location location);

  /**
   * Makes a stream opened on this member findable by the others, with what another member needs to run its prompt
   * again should this one be lost before the end (when {@link #reissues()}).
   *
   * @param location the stream, owned here
   * @param prompt {@code {body, ticket, httpRequestId}}, or {@code null}
   * @return completes once every member can find it
   */
  default Future<Void> register(Location location, io.vertx.core.json.JsonObject prompt) {
    return register(location);
  }

  /**
   * @return whether another member re-issues the prompt of a stream whose owner was lost before its end, the
   *     stream going on with a {@code restart} event ({@code cluster.reissue}); else such a stream ends with
   *     {@code owner_lost}
   */
  default boolean reissues() {
    return false;
  }

  /**
   * The stream ended on this member, its owner: it stays findable for the resume window, then is forgotten.
   *
   * @param streamId the stream
   */
  void ended(String streamId);

  /**
   * The stream was forgotten on this member, its owner (its resume window is over, or room was needed).
   *
   * @param streamId the stream
   */
  default void forgotten(String streamId) {
  }

  /**
   * Where a stream that is not on this member lives.
   *
   * @param streamId the stream
   * @return its location, or {@code null} when no member knows it
   */
  Future<Location> locate(String streamId);

  /**
   * Reaches a stream owned by another member.
   *
   * @param location where it is
   * @return the way to it
   */
  RemoteStream remote(Location location);

  /**
   * What receives every event of a stream owned here, right after it is appended (to back it up), or
   * {@code null} when nothing does.
   *
   * @param streamId the stream
   * @return the replicator, called on the stream's home context in seq order
   */
  default Consumer<StreamEvent> replicator(String streamId) {
    return null;
  }

  /**
   * Lets the directory serve other members' followers, cancels and lookups of the streams owned here.
   *
   * @param owned this member's streams
   */
  default void serve(OwnedStreams owned) {
  }

  /**
   * Where per-principal quotas (requests and tokens per minute, token budgets) live: this JVM's memory on a single
   * node, the cluster's shared state when clustered.
   *
   * @return the store
   */
  default io.tokenlane.core.auth.QuotaStore quotas() {
    return io.tokenlane.core.auth.QuotaStore.local();
  }

  /**
   * Stops, once what was sent to other members is safe.
   *
   * @return completes when stopped
   */
  default Future<Void> close() {
    return Future.succeededFuture();
  }

  /** The streams owned by this member, as the directory serves them to the others. */
  interface OwnedStreams {

    /**
     * An owned stream.
     *
     * @param streamId the stream
     * @return it, or {@code null}
     */
    HubStream find(String streamId);

    /**
     * Runs on the stream's home context, where following it costs no thread hop per event.
     *
     * @param stream an owned stream
     * @param action what to run
     */
    void onHome(HubStream stream, Runnable action);
  }

  /** A stream owned by another member, seen from here. */
  interface RemoteStream {

    /**
     * Starts delivery to {@code listener}, on the caller's context: every event the owner holds, oldest first,
     * then live ones, batched.
     *
     * @param listener where events go
     * @return the newest seq the owner had when the subscription started: the listener has caught up with the
     *     stream as it was when it has that seq
     */
    Future<Long> subscribe(RemoteListener listener);

    /**
     * Cancels the stream on its owner.
     *
     * @return the seq of the stream's {@code end}, once the owner appended it
     */
    Future<Long> cancel();

    /** Stops delivery. */
    void close();
  }

  /** Where a remote stream's events arrive, on the context that subscribed. */
  interface RemoteListener {

    /**
     * Events in seq order; some may repeat what was delivered before.
     *
     * @param events the events
     */
    void events(java.util.List<StreamEvent> events);

    /** The owner is gone: every event it had backed up was delivered before this. */
    void ownerLost();

    /**
     * The owner is gone and this member took the stream over (every event it had backed up was delivered before
     * this): the stream is owned here from now on and its prompt runs again. Called on the listener's context.
     *
     * @param prompt what {@link #register(Location, io.vertx.core.json.JsonObject)} was given on the lost owner
     */
    default void takenOver(io.vertx.core.json.JsonObject prompt) {
      ownerLost();
    }
  }
}
