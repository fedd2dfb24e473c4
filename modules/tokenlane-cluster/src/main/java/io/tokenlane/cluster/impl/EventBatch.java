package io.tokenlane.cluster.impl;

import io.tokenlane.core.stream.StreamEvent;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Several events of one stream in one cluster message: each as its seq, its type and its encoded envelope, so
 * that the receiver restores them without parsing JSON again.
 */
final class EventBatch {

  private static final StreamEvent.Type[] TYPES = StreamEvent.Type.values();

  private EventBatch() {
  }

  static void append(Buffer batch, StreamEvent event) {
    byte[] json = event.encoded();
    batch.appendLong(event.seq()).appendByte((byte) event.type().ordinal()).appendInt(json.length).appendBytes(json);
  }

  /**
   * The events of a batch.
   *
   * @param batch what {@link #append} wrote
   * @return the events, in order
   * @throws IllegalArgumentException for bytes that are not a batch
   */
  static List<StreamEvent> decode(Buffer batch) {
    List<StreamEvent> events = new ArrayList<>();
    int at = 0;
    while (at < batch.length()) {
      if (batch.length() - at < 13) {
        throw new IllegalArgumentException("truncated event batch");
      }
      long seq = batch.getLong(at);
      int type = batch.getByte(at + 8);
      int length = batch.getInt(at + 9);
      at += 13;
      if (type < 0 || type >= TYPES.length || length < 0 || length > batch.length() - at) {
        throw new IllegalArgumentException("malformed event batch");
      }
      events.add(StreamEvent.restore(seq, TYPES[type], batch.getBytes(at, at + length)));
      at += length;
    }
    return events;
  }
}
