package io.tokenlane.spi.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.internal.PlatformDependent;
import io.tokenlane.spi.UpstreamHttp;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.internal.http.WebSocketInternal;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The small outbound queue on real connections over loopback: the swap works on this Vert.x version, and writes
 * still arrive whole and in order when they pile up in it (from another thread, against a full socket).
 */
class OutboundQueuesTest {

  private static final Class<?> SMALL = PlatformDependent.newMpscQueue(OutboundQueues.CHUNK, 1 << 30).getClass();

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void thisVertxVersionIsLaidOutAsExpected() {
    assertTrue(OutboundQueues.available(), "a Vert.x upgrade moved the fields OutboundQueues swaps: adapt it");
    assertNotEquals(PlatformDependent.newMpscQueue().getClass(), SMALL, "the replacement is another kind of queue");
  }

  @Test
  void upstreamClientConnectionsGetTheSmallQueueAndCarryALargeBodyWholeAndInOrder() throws Exception {
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"))
      .requestHandler(request -> {
        MessageDigest digest = sha256();
        long[] length = {0};
        request.handler(chunk -> {
          digest.update(chunk.getBytes());
          length[0] += chunk.length();
        });
        request.endHandler(v -> request.response().end(length[0] + " " + HexFormat.of().formatHex(digest.digest())));
      });
    server.listen(0).await(10, TimeUnit.SECONDS);
    HttpClientAgent client = UpstreamHttp.client(vertx, new HttpClientOptions(), new PoolOptions());
    HttpClientRequest request = client.request(HttpMethod.POST, server.actualPort(), "127.0.0.1", "/")
      .await(10, TimeUnit.SECONDS);
    request.setChunked(true);
    HttpConnection connection = request.connection();
    assertEquals(SMALL, OutboundQueues.queueOf(connection).getClass(), "the connect handler swapped the queue");

    // 4 MB in 4,096 writes from this thread (not the connection's loop): every write goes through the queue, and
    // the socket fills, so writes wait there many at a time, across many of its 16-slot arrays.
    Random random = new Random(8);
    MessageDigest sent = sha256();
    for (int i = 0; i < 4096; i++) {
      byte[] piece = new byte[1024];
      random.nextBytes(piece);
      sent.update(piece);
      request.write(Buffer.buffer(piece));
    }
    request.end();
    String answer = request.response().compose(response -> response.body()).await(30, TimeUnit.SECONDS).toString();
    assertEquals(4096 * 1024 + " " + HexFormat.of().formatHex(sent.digest()), answer);
  }

  @Test
  void serverWebSocketsKeepEveryMessageInOrderWhenWrittenFromAnotherThread() throws Exception {
    int messages = 20_000;
    CompletableFuture<Boolean> trimmed = new CompletableFuture<>();
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"))
      .webSocketHandler(ws -> {
        trimmed.complete(OutboundQueues.trim(OutboundQueues.connectionOf(
          ((WebSocketInternal) ws).channelHandlerContext().pipeline())));
        Thread writer = new Thread(() -> {
          for (int i = 0; i < messages; i++) {
            ws.writeTextMessage(Integer.toString(i));
          }
          ws.close();
        });
        writer.start();
      });
    server.listen(0).await(10, TimeUnit.SECONDS);
    WebSocketClient client = vertx.createWebSocketClient();
    List<String> received = new ArrayList<>();
    Promise<Void> closed = Promise.promise();
    AtomicBoolean firstPaused = new AtomicBoolean();
    client.connect(server.actualPort(), "127.0.0.1", "/").onSuccess(ws -> {
      ws.textMessageHandler(text -> {
        received.add(text);
        if (firstPaused.compareAndSet(false, true)) {
          // The reader stops for a while: the server's writes back up into its queue.
          ws.pause();
          vertx.setTimer(200, t -> ws.resume());
        }
      });
      ws.closeHandler(v -> closed.tryComplete());
    }).onFailure(closed::tryFail);
    closed.future().await(60, TimeUnit.SECONDS);
    assertTrue(trimmed.get(10, TimeUnit.SECONDS), "the server WebSocket's queue was swapped on its loop");
    assertEquals(messages, received.size());
    for (int i = 0; i < messages; i++) {
      assertEquals(Integer.toString(i), received.get(i), "message " + i);
    }
  }

  @Test
  void connectionsWithoutSuchAQueueAndCallsOffTheLoopAreLeftAlone() throws Exception {
    assertFalse(OutboundQueues.trim(null));
    assertFalse(OutboundQueues.trim("not a connection"));
    assertNull(OutboundQueues.connectionOf(null));

    CompletableFuture<Boolean> strict = new CompletableFuture<>();
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setStrictThreadMode(true))
      .requestHandler(request -> {
        strict.complete(OutboundQueues.trim(request.connection()));
        request.response().end("ok");
      });
    server.listen(0).await(10, TimeUnit.SECONDS);
    HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions());
    HttpClientRequest request = client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
      .await(10, TimeUnit.SECONDS);
    HttpConnection connection = request.connection();
    Class<?> before = OutboundQueues.queueOf(connection).getClass();
    assertFalse(OutboundQueues.trim(connection), "not on the connection's event loop: not swapped");
    assertEquals(before, OutboundQueues.queueOf(connection).getClass());
    assertNotEquals(SMALL, before, "a client built without UpstreamHttp keeps Vert.x's queue");
    assertEquals("ok", request.send().compose(response -> response.body()).await(10, TimeUnit.SECONDS).toString());
    assertFalse(strict.get(10, TimeUnit.SECONDS), "a connection in strict thread mode has no queue to swap");
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
