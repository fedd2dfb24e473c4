package io.tokenlane.spi.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.util.internal.PlatformDependent;
import io.vertx.core.net.impl.VertxConnection;
import io.vertx.core.net.impl.VertxHandler;
import java.lang.reflect.Field;
import java.util.Queue;

/**
 * Shrinks the memory a Vert.x connection holds for its outbound queue. Not part of the plugin contract: plugins
 * get it through {@link io.tokenlane.spi.UpstreamHttp}; the gateway calls it for its own WebSocket connections.
 *
 * <p>Vert.x 5.0 gives every connection that is not in strict thread mode (every HTTP client connection, every
 * server WebSocket) a lock-free queue of the writes it has not yet handed to Netty, built by Netty's
 * {@code PlatformDependent.newMpscQueue()}: its first array of 1,024 slots (4.1 KB, plus 0.5 KB of padding) is
 * allocated with the connection, although a connection written from its own event loop holds at most a few writes
 * at a time. An open LLM stream holds one such connection upstream and, over WebSocket, one more to its client:
 * 8 KB of a stream's 26 KB. {@link #trim} replaces that queue with the same kind of queue (multi-producer,
 * single-consumer, unbounded in practice, with the same padding) whose arrays hold 16 slots, linked as they fill:
 * 4 KB less per connection.
 *
 * <p>HTTP/1.x connections and WebSockets only: an HTTP/2 connection is no {@code VertxConnection}, and each of
 * its streams keeps a queue of its own.
 *
 * <p>It reaches into Vert.x's internals (three fields: {@code VertxConnection.outboundMessageQueue},
 * {@code OutboundMessageQueue.mqp}, {@code MessagePassingQueue.queue}). When a Vert.x version lays them out
 * differently, nothing is changed and {@link #available()} says so: the connection keeps Vert.x's own queue and
 * only the memory is lost. {@code OutboundQueuesTest} fails on such a version, so an upgrade does not drop it
 * unnoticed. It writes a {@code final} field by reflection, which JDKs after 25 may warn about or refuse
 * (JEP 500): a refusal is caught like any other, and the queue stays.
 */
public final class OutboundQueues {

  /** Slots per array of the replacement queue: a connection written from its loop holds a handful of writes. */
  static final int CHUNK = 16;
  /** The replacement's bound: Netty's largest, far past what any connection could hold in memory. */
  private static final int MAX_CAPACITY = 1 << 30;

  private static final System.Logger LOG = System.getLogger(OutboundQueues.class.getName());
  private static final Field OUTBOUND;
  private static final Field MESSAGE_QUEUE;
  private static final Field QUEUE;

  static {
    Field outbound = null;
    Field messageQueue = null;
    Field queue = null;
    try {
      outbound = accessible(VertxConnection.class.getDeclaredField("outboundMessageQueue"));
      messageQueue = accessible(Class.forName("io.vertx.core.internal.concurrent.OutboundMessageQueue")
        .getDeclaredField("mqp"));
      queue = accessible(Class.forName("io.vertx.core.streams.impl.MessagePassingQueue").getDeclaredField("queue"));
      if (!Queue.class.isAssignableFrom(queue.getType())) {
        throw new NoSuchFieldException("MessagePassingQueue.queue is a " + queue.getType().getName());
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.log(System.Logger.Level.INFO, "connections keep Vert.x's own outbound queues (4 KB more each): "
        + "this Vert.x version lays them out differently (" + e + ")");
      outbound = null;
    }
    OUTBOUND = outbound;
    MESSAGE_QUEUE = messageQueue;
    QUEUE = queue;
  }

  private OutboundQueues() {
  }

  /**
   * Whether {@link #trim} can work on this Vert.x version.
   *
   * @return {@code false} when Vert.x's internals are not laid out as expected
   */
  public static boolean available() {
    return OUTBOUND != null;
  }

  /**
   * Gives a connection a small outbound queue. Call it on the connection's event loop, before anything is written
   * to it from another thread (a client's connect handler, a server WebSocket's upgrade callback): the queue is
   * swapped only while it is empty, and nothing else swaps it.
   *
   * @param connection a Vert.x connection ({@code HttpConnection}, {@code ServerWebSocket}'s); anything else is
   *     left alone
   * @return whether the queue was replaced; {@code false} for a connection in strict thread mode (it has no such
   *     queue), an unknown kind of connection, a queue holding writes, or a call off the event loop
   */
  public static boolean trim(Object connection) {
    if (OUTBOUND == null || !(connection instanceof VertxConnection vertxConnection)) {
      return false;
    }
    ChannelHandlerContext chctx = vertxConnection.channelHandlerContext();
    if (chctx == null || !chctx.executor().inEventLoop()) {
      return false;
    }
    try {
      Object messages = messagePassingQueue(vertxConnection);
      if (messages == null || !(QUEUE.get(messages) instanceof Queue<?> current) || !current.isEmpty()) {
        return false;
      }
      QUEUE.set(messages, PlatformDependent.newMpscQueue(CHUNK, MAX_CAPACITY));
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.log(System.Logger.Level.DEBUG, "outbound queue left as it is: " + e);
      return false;
    }
  }

  /**
   * Whether a connection is in strict thread mode: Vert.x hands each write straight to the channel, with no queue of
   * its own between, so a message written to the channel on its event loop keeps its place among Vert.x's writes.
   *
   * @param connection a Vert.x connection
   * @return {@code false} for a connection with a queue, any other object, or a Vert.x version laid out differently
   */
  public static boolean writesDirectly(Object connection) {
    if (OUTBOUND == null || !(connection instanceof VertxConnection vertxConnection)) {
      return false;
    }
    try {
      Object outbound = OUTBOUND.get(vertxConnection);
      return outbound != null && outbound.getClass().getName().endsWith("$DirectOutboundMessageQueue");
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  /**
   * The {@code MessagePassingQueue} holding a connection's queue.
   *
   * @return it, or {@code null} when the connection has none (strict thread mode: writes go straight to the channel)
   */
  private static Object messagePassingQueue(VertxConnection connection) throws ReflectiveOperationException {
    Object outbound = OUTBOUND.get(connection);
    if (!MESSAGE_QUEUE.getDeclaringClass().isInstance(outbound)) {
      return null;
    }
    Object messages = MESSAGE_QUEUE.get(outbound);
    return QUEUE.getDeclaringClass().isInstance(messages) ? messages : null;
  }

  /**
   * The Vert.x connection of a channel, as Vert.x's own handler in its pipeline knows it: how the gateway finds the
   * connection of a server WebSocket (the one Vert.x Web hands out is a wrapper).
   *
   * @param pipeline the channel's pipeline
   * @return the connection, or {@code null} when the pipeline has no Vert.x handler
   */
  public static Object connectionOf(ChannelPipeline pipeline) {
    VertxHandler<?> handler = pipeline == null ? null : pipeline.get(VertxHandler.class);
    return handler == null ? null : handler.getConnection();
  }

  /**
   * The queue a connection's writes wait in, for tests.
   *
   * @return the queue, or {@code null} when the connection has none (strict thread mode) or is not a Vert.x one
   */
  static Queue<?> queueOf(Object connection) {
    if (OUTBOUND == null || !(connection instanceof VertxConnection vertxConnection)) {
      return null;
    }
    try {
      Object messages = messagePassingQueue(vertxConnection);
      return messages == null ? null : (Queue<?>) QUEUE.get(messages);
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  private static Field accessible(Field field) {
    field.setAccessible(true);
    return field;
  }
}
