package io.tokenlane.cluster.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.tokenlane.cluster.ClusterOptions;
import io.tokenlane.core.stream.StreamEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A journal on a real event loop, writing to a real Hazelcast member on 127.0.0.1. */
class JournalTest {

  private static HazelcastInstance hazelcast;
  private static Vertx vertx;
  private static IMap<String, byte[]> events;

  private final ContextInternal home = (ContextInternal) vertx.getOrCreateContext();
  private final Recorder outlet = new Recorder();

  @BeforeAll
  static void start() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    ClusterOptions options = new ClusterOptions(new JsonObject().put("host", "127.0.0.1").put("port", port)
      .put("name", "journal-" + UUID.randomUUID()).put("members", new JsonArray().add("127.0.0.1:" + port)));
    hazelcast = Hazelcast.newHazelcastInstance(options.hazelcastConfig(60_000));
    events = hazelcast.getMap("tokenlane.events");
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    hazelcast.shutdown();
  }

  private record Write(long nanos, Set<String> keys) {
  }

  private record Sent(String member, Buffer message) {
  }

  /** The real map, with each write and message noted. */
  private static final class Recorder implements Journal.Outlet {
    final BlockingQueue<Write> writes = new LinkedBlockingQueue<>();
    final BlockingQueue<Sent> sent = new LinkedBlockingQueue<>();

    @Override
    public CompletionStage<Void> write(Map<String, byte[]> batches) {
      // Noted once the map holds them, at the time it was asked to.
      Write write = new Write(System.nanoTime(), Set.copyOf(batches.keySet()));
      return events.putAllAsync(batches).whenComplete((ok, failure) -> writes.add(write));
    }

    @Override
    public void send(String member, Buffer message) {
      sent.add(new Sent(member, message));
    }
  }

  private Journal journal(long batchMs, long backupMs) {
    return new Journal(((VertxInternal) vertx).contextBuilder().withEventLoop(home.nettyEventLoop()).build(),
      batchMs, backupMs, 2, outlet);
  }

  /** Runs on the streams' event loop and waits for it. */
  private <T> T onLoop(Supplier<T> action) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    home.runOnContext(v -> done.complete(action.get()));
    return done.get(5, TimeUnit.SECONDS);
  }

  private static StreamEvent start(String streamId) {
    return StreamEvent.of(streamId, 1, StreamEvent.Type.START, new JsonObject().put("model", "m"));
  }

  private static StreamEvent token(String streamId, long seq) {
    return StreamEvent.of(streamId, seq, StreamEvent.Type.TOKEN, new JsonObject().put("text", "t" + seq));
  }

  private static StreamEvent end(String streamId, long seq) {
    return StreamEvent.of(streamId, seq, StreamEvent.Type.END, new JsonObject().put("reason", "stop"));
  }

  private static <T> T next(BlockingQueue<T> queue) throws InterruptedException {
    T found = queue.poll(5, TimeUnit.SECONDS);
    assertNotNull(found, "nothing came within 5 s");
    return found;
  }

  private static List<Long> seqs(String key) {
    return EventBatch.decode(Buffer.buffer(events.get(key))).stream().map(StreamEvent::seq).toList();
  }

  /** A follower on another member, as the owner's sink is: its part of the member's message once backed up. */
  private static Replication.Watcher mirror(Journal journal, String sub, BlockingQueue<Long> seen) {
    return seq -> {
      seen.add(seq);
      Buffer outbox = journal.outbox("member-b");
      MirrorBatches.end(outbox, MirrorBatches.begin(outbox, sub));
      journal.posted();
    };
  }

  @Test
  void theStreamsOfAnEventLoopShareOneBackupWriteAndOneMessagePerMember() throws Exception {
    Journal journal = journal(50, 250);
    BlockingQueue<Long> seen = new LinkedBlockingQueue<>();
    onLoop(() -> {
      for (String id : List.of("st-1", "st-2", "st-3")) {
        Replication replication = new Replication(id, journal, 0);
        if (!id.equals("st-3")) {
          replication.watch(mirror(journal, "sub-" + id, seen));
        }
        replication.accept(start(id));
      }
      return null;
    });

    assertEquals(Set.of("st-1#0", "st-2#0", "st-3#0"), next(outlet.writes).keys());
    Sent sent = next(outlet.sent);
    assertEquals("member-b", sent.member());
    List<String> subs = new ArrayList<>();
    MirrorBatches.forEach(sent.message(), (sub, batch) -> subs.add(sub));
    assertEquals(List.of("sub-st-1", "sub-st-2"), subs);
    assertEquals(List.of(1L, 1L), List.of(next(seen), next(seen)));
    assertEquals(List.of(1L), seqs("st-3#0"));
    onLoop(() -> null);
    assertTrue(outlet.writes.isEmpty() && outlet.sent.isEmpty(), "one write, one message");
  }

  @Test
  void aFirstTokenAnotherMemberWaitsForGoesAtOnceInAWriteOfItsOwnTheOthersAtTheInterval() throws Exception {
    Journal journal = journal(1000, 1000);
    Replication waited = new Replication("st-4", journal, 0);
    Replication other = new Replication("st-5", journal, 0);
    onLoop(() -> {
      waited.accept(start("st-4"));
      other.accept(start("st-5"));
      other.accept(token("st-5", 2));
      return null;
    });
    Write first = next(outlet.writes);
    assertEquals(Set.of("st-4#0", "st-5#0"), first.keys());
    long firstToken = onLoop(() -> {
      waited.watch(seq -> { });
      other.watch(seq -> { });
      other.accept(token("st-5", 3));
      waited.accept(token("st-4", 2));
      return System.nanoTime();
    });
    Write urgent = next(outlet.writes);
    assertTrue(urgent.nanos() - firstToken < TimeUnit.MILLISECONDS.toNanos(500), "the first token did not wait");
    assertEquals(Set.of("st-4#1"), urgent.keys());
    Write paced = next(outlet.writes);
    assertTrue(paced.nanos() - first.nanos() >= TimeUnit.MILLISECONDS.toNanos(999), "the other token waited");
    assertEquals(Set.of("st-5#1"), paced.keys());
    assertEquals(List.of(3L), seqs("st-5#1"));
  }

  @Test
  void aStreamNobodyFollowsElsewhereIsBackedUpAtItsOwnPaceAndItsEndWithTheNextFlush() throws Exception {
    Journal journal = journal(10, 300);
    Replication replication = new Replication("st-8", journal, 0);
    onLoop(() -> {
      replication.accept(start("st-8"));
      return null;
    });
    Write first = next(outlet.writes);
    onLoop(() -> {
      replication.accept(token("st-8", 2));
      return null;
    });
    Write second = next(outlet.writes);
    assertTrue(second.nanos() - first.nanos() >= TimeUnit.MILLISECONDS.toNanos(299), "the token kept the pace");
    long ended = onLoop(() -> {
      replication.accept(end("st-8", 3));
      return System.nanoTime();
    });
    Write last = next(outlet.writes);
    assertTrue(last.nanos() - ended < TimeUnit.MILLISECONDS.toNanos(290), "the end did not wait for the pace");
    assertEquals(List.of(3L), seqs("st-8#2"));
  }

  @Test
  void drainWritesWhatWaitsWhateverItsPaceAndWaitsForTheBackup() throws Exception {
    Journal journal = journal(10, 10_000);
    Replication replication = new Replication("st-6", journal, 0);
    onLoop(() -> {
      replication.accept(start("st-6"));
      return null;
    });
    next(outlet.writes);
    onLoop(() -> {
      replication.accept(token("st-6", 2));
      return null;
    });
    journal.drain().await(5, TimeUnit.SECONDS);
    assertEquals(List.of(2L), seqs("st-6#1"));
    assertEquals(2L, onLoop(replication::backedUp));
  }
}
