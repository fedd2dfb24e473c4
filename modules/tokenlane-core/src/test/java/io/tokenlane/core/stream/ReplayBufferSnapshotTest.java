package io.tokenlane.core.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Evicted events fold into a snapshot that a reader behind the buffer gets instead of a reset. */
class ReplayBufferSnapshotTest {

  private static final String ID = "st-1";
  private final AtomicLong now = new AtomicLong();

  private ReplayBuffer buffer(int capacity, long snapshotMaxBytes) {
    return new ReplayBuffer(capacity, 1_000, snapshotMaxBytes, now::get);
  }

  private static StreamEvent start() {
    return StreamEvent.of(ID, 1, StreamEvent.Type.START, new JsonObject().put("model", "m").put("createdAt", 1234L)
      .put("requestId", "r-1"));
  }

  private static StreamEvent token(long seq, String text) {
    return StreamEvent.of(ID, seq, StreamEvent.Type.TOKEN, new JsonObject().put("text", text));
  }

  private static StreamEvent toolCalls(long seq, JsonObject... deltas) {
    return StreamEvent.of(ID, seq, StreamEvent.Type.TOOL_CALLS, new JsonObject().put("toolCalls", new JsonArray(List.of(
      (Object[]) deltas))));
  }

  private static StreamEvent usage(long seq, int prompt, int completion) {
    return StreamEvent.of(ID, seq, StreamEvent.Type.USAGE, new JsonObject().put("promptTokens", prompt)
      .put("completionTokens", completion).put("totalTokens", prompt + completion));
  }

  private static StreamEvent end(long seq) {
    return StreamEvent.of(ID, seq, StreamEvent.Type.END, new JsonObject().put("reason", "stop"));
  }

  private static List<Long> seqs(ReplayBuffer.Replay replay) {
    return replay.events().stream().map(StreamEvent::seq).toList();
  }

  private static String text(List<StreamEvent> events) {
    StringBuilder text = new StringBuilder();
    events.stream().filter(e -> e.type() == StreamEvent.Type.TOKEN).forEach(e -> text.append(e.toJson().getString("text")));
    return text.toString();
  }

  @Test
  void evictedByCapacityAReaderFromZeroGetsTheSnapshotThenTheHeldEventsAndSoTheWholeAnswer() {
    ReplayBuffer buffer = buffer(4, 1 << 20);
    buffer.append(start());
    for (long seq = 2; seq <= 9; seq++) {
      buffer.append(token(seq, "t" + seq + " "));
    }
    ReplayBuffer.Replay replay = buffer.read(0, 10);
    assertFalse(replay.reset());
    JsonObject snapshot = replay.snapshot().toJson();
    assertEquals(new JsonObject().put("streamId", ID).put("seq", 5L).put("type", "snapshot").put("upToSeq", 5L)
      .put("model", "m").put("createdAt", 1234L).put("requestId", "r-1").put("text", "t2 t3 t4 t5 "), snapshot);
    assertEquals(List.of(6L, 7L, 8L, 9L), seqs(replay), "the snapshot's seq is the one before the first held");
    assertEquals("t2 t3 t4 t5 t6 t7 t8 t9 ", snapshot.getString("text") + text(replay.events()));
    assertSame(replay.snapshot(), buffer.read(3, 10).snapshot(), "encoded once until the next eviction");
    assertNull(buffer.read(5, 10).snapshot(), "a reader at the snapshot's seq has everything it folded");
    assertNull(buffer.read(7, 10).snapshot());
  }

  @Test
  void reasoningFoldsApartFromTheTextAndCountsAgainstTheBound() {
    ReplayBuffer buffer = buffer(2, 1 << 20);
    buffer.append(start());
    buffer.append(StreamEvent.of(ID, 2, StreamEvent.Type.REASONING, new JsonObject().put("text", "Let me \"think\"")));
    buffer.append(StreamEvent.of(ID, 3, StreamEvent.Type.REASONING, new JsonObject().put("text", ".")));
    buffer.append(token(4, "Yes"));
    buffer.append(token(5, "!"));
    buffer.append(end(6));
    JsonObject snapshot = buffer.read(0, 10).snapshot().toJson();
    assertEquals("Let me \"think\".", snapshot.getString("reasoning"));
    assertEquals("Yes", snapshot.getString("text"), "the answer holds no reasoning");
    StreamEvent restored = StreamEvent.restore(2, StreamEvent.Type.REASONING,
      StreamEvent.of(ID, 2, StreamEvent.Type.REASONING, new JsonObject().put("text", "x")).encoded());
    assertEquals(new JsonObject().put("streamId", ID).put("seq", 2L).put("type", "reasoning").put("text", "x"),
      restored.toJson(), "a mirrored reasoning event has the token layout");

    ReplayBuffer bounded = buffer(2, 8);
    bounded.append(start());
    bounded.append(StreamEvent.of(ID, 2, StreamEvent.Type.REASONING, new JsonObject().put("text", "0123456789")));
    bounded.append(token(3, "a"));
    bounded.append(token(4, "b"));
    assertTrue(bounded.read(0, 10).reset(), "past the bound a reset, reasoning included");
  }

  @Test
  void evictedByAgeTheEndStaysSoALateReaderGetsTheSnapshotAndTheEnd() {
    ReplayBuffer buffer = buffer(16, 1 << 20);
    buffer.append(start());
    buffer.append(token(2, "hello "));
    buffer.append(usage(3, 5, 2));
    buffer.append(token(4, "world"));
    buffer.append(end(5));
    now.addAndGet(10_000_000_000L);
    ReplayBuffer.Replay replay = buffer.read(0, 10);
    assertEquals(List.of(5L), seqs(replay), "the end is never folded away");
    JsonObject snapshot = replay.snapshot().toJson();
    assertEquals(4, snapshot.getLong("seq"));
    assertEquals("hello world", snapshot.getString("text"));
    assertEquals(new JsonObject().put("promptTokens", 5).put("completionTokens", 2).put("totalTokens", 7),
      snapshot.getJsonObject("usage"));
    assertFalse(snapshot.containsKey("toolCalls"));
  }

  @Test
  void aRunningStreamAllAgedOutGivesTheSnapshotAlone() {
    ReplayBuffer buffer = buffer(16, 1 << 20);
    buffer.append(start());
    buffer.append(token(2, "a"));
    now.addAndGet(2_000_000_000L);
    ReplayBuffer.Replay replay = buffer.read(1, 10);
    assertEquals(List.of(), seqs(replay));
    assertEquals(2, replay.snapshot().seq());
    assertEquals("a", replay.snapshot().toJson().getString("text"));
    assertFalse(replay.snapshot().toJson().containsKey("usage"), "no usage was folded");
  }

  @Test
  void toolCallDeltasMergeIntoWholeCallsByIndexAsOpenAiClientsDo() {
    ReplayBuffer buffer = buffer(2, 1 << 20);
    buffer.append(start());
    buffer.append(toolCalls(2, new JsonObject().put("index", 0).put("id", "call_a").put("type", "function")
      .put("function", new JsonObject().put("name", "get_").put("arguments", "")),
      new JsonObject().put("index", 1).put("id", "call_b").put("type", "function")
      .put("function", new JsonObject().put("name", "lookup").put("arguments", "{\"q\":"))));
    buffer.append(toolCalls(3, new JsonObject().put("index", 0).put("function", new JsonObject().put("name", "weather")
      .put("arguments", "{\"city\":\"Par"))));
    buffer.append(toolCalls(4, new JsonObject().put("index", 0).put("function", new JsonObject().putNull("name")
      .put("arguments", "is\"}")), new JsonObject().put("index", 1).put("function", new JsonObject().put("arguments", "1}"))));
    buffer.append(usage(5, 9, 4));
    buffer.append(end(6));
    JsonObject snapshot = buffer.read(0, 10).snapshot().toJson();
    assertEquals(4, snapshot.getLong("seq"));
    assertEquals(new JsonArray()
      .add(new JsonObject().put("index", 0).put("id", "call_a").put("type", "function")
        .put("function", new JsonObject().put("name", "get_weather").put("arguments", "{\"city\":\"Paris\"}")))
      .add(new JsonObject().put("index", 1).put("id", "call_b").put("type", "function")
        .put("function", new JsonObject().put("name", "lookup").put("arguments", "{\"q\":1}"))),
      snapshot.getJsonArray("toolCalls"));
    assertEquals("", snapshot.getString("text"));
  }

  @Test
  void theSnapshotIsValidJsonWhoseTextRoundTripsEscapesAndMultiByteUtf8() {
    String[] parts = {"quote \" back\\slash ", "new\nline\ttab\u0001 ", "héllo 日本語 ", "emoji 😀 ", "</script>"};
    ReplayBuffer buffer = buffer(2, 1 << 20);
    buffer.append(start());
    for (int i = 0; i < parts.length; i++) {
      buffer.append(token(i + 2, parts[i]));
    }
    buffer.append(end(parts.length + 2));
    ReplayBuffer.Replay replay = buffer.read(0, 10);
    byte[] bytes = replay.snapshot().encoded();
    String expected = "{\"streamId\":\"st-1\",\"seq\":5,\"type\":\"snapshot\",\"upToSeq\":5,\"model\":\"m\","
      + "\"createdAt\":1234,\"requestId\":\"r-1\",\"text\":\"quote \\\" back\\\\slash new\\nline\\ttab\\u0001 héllo 日本語 "
      + "emoji 😀 \"}";
    assertEquals(expected, new String(bytes, StandardCharsets.UTF_8));
    assertEquals(String.join("", parts), replay.snapshot().toJson().getString("text") + text(replay.events()));
    assertEquals(StreamEvent.Type.SNAPSHOT, replay.snapshot().type());
  }

  @Test
  void pastTheByteBoundTheBufferStopsFoldingAndAReaderBehindGetsAReset() {
    ReplayBuffer buffer = buffer(2, 10);
    buffer.append(start());
    buffer.append(token(2, "12345"));
    buffer.append(token(3, "67890"));
    buffer.append(token(4, "x"));
    buffer.append(token(5, "y"));
    assertEquals("1234567890", buffer.read(0, 10).snapshot().toJson().getString("text"), "10 bytes: at the bound");
    buffer.append(token(6, "z"));
    ReplayBuffer.Replay replay = buffer.read(0, 10);
    assertTrue(replay.reset(), "11 bytes: over it");
    assertNull(replay.snapshot());
    assertEquals(List.of(5L, 6L), seqs(replay));
    for (long seq = 7; seq <= 9; seq++) {
      buffer.append(token(seq, ""));
    }
    assertTrue(buffer.read(0, 10).reset(), "a snapshot must cover the stream from its start: it never comes back");
  }

  @Test
  void toolCallsCountTowardsTheBound() {
    ReplayBuffer buffer = buffer(2, 64);
    buffer.append(start());
    buffer.append(toolCalls(2, new JsonObject().put("index", 0).put("function", new JsonObject()
      .put("arguments", "x".repeat(80)))));
    buffer.append(token(3, "a"));
    buffer.append(token(4, "b"));
    assertTrue(buffer.read(0, 10).reset());
  }

  @Test
  void aZeroBoundTurnsSnapshotsOffAndEveryGapIsAResetAsBefore() {
    ReplayBuffer buffer = buffer(2, 0);
    buffer.append(start());
    buffer.append(token(2, "a"));
    buffer.append(token(3, "b"));
    ReplayBuffer.Replay replay = buffer.read(0, 10);
    assertTrue(replay.reset());
    assertNull(replay.snapshot());
    assertEquals(List.of(2L, 3L), seqs(replay));
  }

  @Test
  void aRestartFoldedInDropsTheAnswerBeforeItAndTheSnapshotHoldsOnlyTheNewOne() {
    ReplayBuffer buffer = buffer(2, 1 << 20);
    buffer.append(start());
    buffer.append(token(2, "lost "));
    buffer.append(toolCalls(3, new JsonObject().put("index", 0).put("id", "call_1")
      .put("function", new JsonObject().put("name", "lookup").put("arguments", "{"))));
    buffer.append(usage(4, 3, 2));
    buffer.append(StreamEvent.of(ID, 5, StreamEvent.Type.RESTART, new JsonObject().put("reason", "owner_lost")));
    buffer.append(token(6, "new "));
    buffer.append(token(7, "answer"));
    buffer.append(end(8));

    ReplayBuffer.Replay replay = buffer.read(0, 10);
    JsonObject snapshot = replay.snapshot().toJson();
    assertEquals(6, snapshot.getLong("upToSeq"));
    assertEquals("new ", snapshot.getString("text"), "nothing of the answer before the restart");
    assertNull(snapshot.getJsonArray("toolCalls"));
    assertNull(snapshot.getJsonObject("usage"));
    assertEquals("m", snapshot.getString("model"), "the start's fields stay");
    assertEquals(List.of(7L, 8L), seqs(replay));
  }
}
