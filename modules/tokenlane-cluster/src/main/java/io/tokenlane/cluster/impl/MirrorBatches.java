package io.tokenlane.cluster.impl;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;

/**
 * One event-bus message to a member for all of its mirrors of an event loop's streams: each part is a mirror's
 * subscription id and an {@link EventBatch} of its stream, written in place so that no batch is copied.
 */
final class MirrorBatches {

  private MirrorBatches() {
  }

  /**
   * Starts a part: the caller appends the batch's events, then calls {@link #end}.
   *
   * @param message the message being built
   * @param sub the mirror's subscription id
   * @return where the part's length goes
   */
  static int begin(Buffer message, String sub) {
    byte[] id = sub.getBytes(StandardCharsets.UTF_8);
    message.appendInt(id.length).appendBytes(id);
    int lengthAt = message.length();
    message.appendInt(0);
    return lengthAt;
  }

  /** Ends the part that {@link #begin} started at {@code lengthAt}. */
  static void end(Buffer message, int lengthAt) {
    message.setInt(lengthAt, message.length() - lengthAt - 4);
  }

  /**
   * Hands each part of a message over, in order.
   *
   * @param message what {@link #begin} and {@link #end} wrote
   * @param part receives each subscription id and its batch (a slice of the message)
   * @throws IllegalArgumentException for bytes that are not such a message (the parts before are handed over)
   */
  static void forEach(Buffer message, BiConsumer<String, Buffer> part) {
    int at = 0;
    while (at < message.length()) {
      int idLength = length(message, at);
      at += 4;
      String sub = message.getString(at, at + idLength, "UTF-8");
      at += idLength;
      int batchLength = length(message, at);
      at += 4;
      part.accept(sub, message.slice(at, at + batchLength));
      at += batchLength;
    }
  }

  private static int length(Buffer message, int at) {
    if (message.length() - at < 4) {
      throw new IllegalArgumentException("truncated mirror batches");
    }
    int length = message.getInt(at);
    if (length < 0 || length > message.length() - at - 4) {
      throw new IllegalArgumentException("malformed mirror batches");
    }
    return length;
  }
}
