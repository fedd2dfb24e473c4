package io.tokenlane.cluster.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tokenlane.core.stream.StreamEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MirrorBatchesTest {

  private static StreamEvent event(String streamId, long seq) {
    return StreamEvent.of(streamId, seq, StreamEvent.Type.TOKEN, new JsonObject().put("text", "t" + seq));
  }

  @Test
  void oneMessageCarriesABatchForEachMirrorInOrder() {
    Buffer message = Buffer.buffer();
    int first = MirrorBatches.begin(message, "sub-a");
    EventBatch.append(message, event("st-a", 1));
    EventBatch.append(message, event("st-a", 2));
    MirrorBatches.end(message, first);
    int second = MirrorBatches.begin(message, "sub-é");
    EventBatch.append(message, event("st-b", 7));
    MirrorBatches.end(message, second);

    List<String> subs = new ArrayList<>();
    List<List<StreamEvent>> batches = new ArrayList<>();
    MirrorBatches.forEach(message, (sub, batch) -> {
      subs.add(sub);
      batches.add(EventBatch.decode(batch));
    });
    assertEquals(List.of("sub-a", "sub-é"), subs);
    assertEquals(List.of(1L, 2L), batches.get(0).stream().map(StreamEvent::seq).toList());
    assertEquals(List.of(7L), batches.get(1).stream().map(StreamEvent::seq).toList());
    assertEquals("t7", batches.get(1).get(0).toJson().getString("text"));
  }

  @Test
  void anEmptyBatchIsAPartToo() {
    Buffer message = Buffer.buffer();
    MirrorBatches.end(message, MirrorBatches.begin(message, "sub-a"));
    List<Integer> lengths = new ArrayList<>();
    MirrorBatches.forEach(message, (sub, batch) -> lengths.add(batch.length()));
    assertEquals(List.of(0), lengths);
  }

  @Test
  void truncatedOrMalformedMessagesAreRefused() {
    Buffer message = Buffer.buffer();
    int part = MirrorBatches.begin(message, "sub-a");
    EventBatch.append(message, event("st-a", 1));
    MirrorBatches.end(message, part);
    assertThrows(IllegalArgumentException.class,
      () -> MirrorBatches.forEach(message.getBuffer(0, message.length() - 1), (sub, batch) -> { }));
    assertThrows(IllegalArgumentException.class,
      () -> MirrorBatches.forEach(message.getBuffer(0, 2), (sub, batch) -> { }));
    Buffer badLength = message.copy().setInt(0, -1);
    assertThrows(IllegalArgumentException.class, () -> MirrorBatches.forEach(badLength, (sub, batch) -> { }));
  }
}
