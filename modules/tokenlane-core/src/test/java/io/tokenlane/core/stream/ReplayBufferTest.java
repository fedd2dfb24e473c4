package io.tokenlane.core.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReplayBufferTest {

  private final AtomicLong now = new AtomicLong();
  private final ReplayBuffer buffer = new ReplayBuffer(4, 1_000, now::get);
  // Without snapshots: a reader behind the held events gets a reset (ReplayBufferSnapshotTest covers snapshots).
  private final ReplayBuffer resets = new ReplayBuffer(4, 1_000, 0, now::get);

  private static StreamEvent token(long seq) {
    return StreamEvent.of("s", seq, StreamEvent.Type.TOKEN, new JsonObject().put("text", "t" + seq));
  }

  private static List<Long> seqs(ReplayBuffer.Replay replay) {
    return replay.events().stream().map(StreamEvent::seq).toList();
  }

  @Test
  void aReaderGetsEverythingAfterItsCursorInOrder() {
    for (long seq = 1; seq <= 3; seq++) {
      buffer.append(token(seq));
    }
    assertEquals(List.of(1L, 2L, 3L), seqs(buffer.read(0, 10)));
    assertEquals(List.of(3L), seqs(buffer.read(2, 10)));
    assertEquals(List.of(), seqs(buffer.read(3, 10)));
    assertEquals(List.of(2L), seqs(buffer.read(1, 1)));
    assertFalse(buffer.read(0, 10).reset());
  }

  @Test
  void beyondCapacityTheOldestGoAndAReaderBehindThemGetsAReset() {
    for (long seq = 1; seq <= 6; seq++) {
      resets.append(token(seq));
    }
    assertEquals(4, resets.size());
    ReplayBuffer.Replay behind = resets.read(1, 10);
    assertTrue(behind.reset());
    assertEquals(List.of(3L, 4L, 5L, 6L), seqs(behind));
    assertFalse(resets.read(2, 10).reset(), "a reader at seq 2 misses nothing: 3 is still held");
  }

  @Test
  void eventsOlderThanTheTtlAreEvicted() {
    resets.append(token(1));
    now.addAndGet(600_000_000L);
    resets.append(token(2));
    now.addAndGet(600_000_000L);
    ReplayBuffer.Replay replay = resets.read(0, 10);
    assertTrue(replay.reset());
    assertEquals(List.of(2L), seqs(replay));
    now.addAndGet(2_000_000_000L);
    ReplayBuffer.Replay empty = resets.read(1, 10);
    assertTrue(empty.reset());
    assertEquals(2, empty.lastSeq());
    assertEquals(0, resets.size());
  }

  @Test
  void readsAtAnyCursorAreRightAfterTheRingGrewAndWrappedAround() {
    ReplayBuffer ring = new ReplayBuffer(40, 10_000, 0, now::get);
    for (long seq = 1; seq <= 100; seq++) {
      ring.append(token(seq));
      long oldest = Math.max(1, seq - 39);
      for (long cursor = oldest - 1; cursor <= seq; cursor++) {
        ReplayBuffer.Replay replay = ring.read(cursor, 7);
        assertFalse(replay.reset(), "cursor " + cursor + " after seq " + seq);
        List<Long> expected = new java.util.ArrayList<>();
        for (long next = cursor + 1; next <= Math.min(seq, cursor + 7); next++) {
          expected.add(next);
        }
        assertEquals(expected, seqs(replay), "cursor " + cursor + " after seq " + seq);
      }
    }
    assertEquals(40, ring.size());
    assertTrue(ring.read(59, 10).reset(), "61 is the oldest: 60 was evicted");
  }

  @Test
  void theEndIsNeverAgedOutSoALateReaderStillLearnsHowTheStreamEnded() {
    resets.append(token(1));
    resets.append(StreamEvent.of("s", 2, StreamEvent.Type.END, new JsonObject().put("reason", "stop")));
    now.addAndGet(10_000_000_000L);
    ReplayBuffer.Replay replay = resets.read(0, 10);
    assertTrue(replay.reset(), "the token aged out");
    assertEquals(List.of(2L), seqs(replay), "the end did not");
  }

  @Test
  void aResetEventTellsTheReaderItsNewCursorAndTheGap() {
    StreamEvent reset = StreamEvent.reset("s", 3, 10);
    assertEquals(9, reset.seq());
    assertEquals(new JsonObject().put("streamId", "s").put("seq", 9L).put("type", "reset").put("reason", "evicted")
      .put("missedFrom", 4L).put("resumeFrom", 10L), reset.toJson());
  }

  @Test
  void seqMustBeGapFreeAndCursorsInsideTheStream() {
    buffer.append(token(1));
    assertThrows(IllegalArgumentException.class, () -> buffer.append(token(3)));
    assertThrows(IllegalArgumentException.class, () -> buffer.append(token(1)));
    assertThrows(IllegalArgumentException.class, () -> buffer.read(2, 10));
    assertThrows(IllegalArgumentException.class, () -> buffer.read(-1, 10));
    assertThrows(IllegalArgumentException.class, () -> StreamEvent.of("s", 0, StreamEvent.Type.TOKEN, null));
    assertThrows(IllegalArgumentException.class, () -> StreamEvent.of("s", 1, StreamEvent.Type.TOKEN,
      new JsonObject().put("text", "a").put("extra", 1)));
    assertThrows(IllegalArgumentException.class, () -> new ReplayBuffer(4, 1_000, -1, now::get));
  }

  @Test
  void theEnvelopeCarriesStreamIdSeqTypeAndData() {
    JsonObject json = token(7).toJson();
    assertEquals(new JsonObject().put("streamId", "s").put("seq", 7L).put("type", "token").put("text", "t7"), json);
  }
}
