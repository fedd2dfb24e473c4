package io.tokenlane.cluster.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tokenlane.core.stream.StreamEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventBatchTest {

  @Test
  void eventsCrossTheClusterAsTheirOwnBytesWithSeqAndType() {
    byte[] prefix = StreamEvent.envelopePrefix("st-1");
    List<StreamEvent> sent = List.of(
      StreamEvent.of("st-1", 1, StreamEvent.Type.START, new JsonObject().put("model", "m")),
      StreamEvent.token(prefix, 2, Buffer.buffer("h\\u00e9 \\\"")),
      StreamEvent.of("st-1", 3, StreamEvent.Type.END, new JsonObject().put("reason", "stop")));
    Buffer batch = Buffer.buffer();
    sent.forEach(event -> EventBatch.append(batch, event));

    List<StreamEvent> received = EventBatch.decode(batch);
    assertEquals(sent.size(), received.size());
    for (int i = 0; i < sent.size(); i++) {
      assertEquals(sent.get(i).seq(), received.get(i).seq());
      assertEquals(sent.get(i).type(), received.get(i).type());
      assertArrayEquals(sent.get(i).encoded(), received.get(i).encoded());
    }
    assertEquals("hé \"", received.get(1).toJson().getString("text"));
  }

  @Test
  void truncatedOrMalformedBatchesAreRefused() {
    Buffer batch = Buffer.buffer();
    EventBatch.append(batch, StreamEvent.of("st-1", 1, StreamEvent.Type.START, new JsonObject()));
    assertThrows(IllegalArgumentException.class, () -> EventBatch.decode(batch.getBuffer(0, batch.length() - 1)));
    assertThrows(IllegalArgumentException.class, () -> EventBatch.decode(batch.getBuffer(0, 5)));
    Buffer badType = batch.copy().setByte(8, (byte) 99);
    assertThrows(IllegalArgumentException.class, () -> EventBatch.decode(badType));
    Buffer badLength = batch.copy().setInt(9, Integer.MAX_VALUE);
    assertThrows(IllegalArgumentException.class, () -> EventBatch.decode(badLength));
  }
}
