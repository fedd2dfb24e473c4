package io.tokenlane.core.stream;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One event of a stream in the gateway's own envelope, the same on every native transport: an explicit,
 * per-stream, monotonic {@code seq} (from 1) lets a client drop what it has already seen after a reconnect.
 *
 * <p>Encoded once, when it is created: the same bytes sit in the replay buffer and go to every WebSocket, SSE and
 * long-poll reader, who copy them into their frames and never encode the event again. The envelope is
 * {@code {"streamId", "seq", "type", ...the type's fields}}.
 */
public final class StreamEvent {

  /** The event types of protocol v1. */
  public enum Type {
    /** The stream started. */
    START("start"),
    /** Generated text; several tokens may be batched in one event. */
    TOKEN("token"),
    /** Reasoning ("thinking") text, apart from the answer. */
    REASONING("reasoning"),
    /** Tool-call deltas, in OpenAI's {@code delta.tool_calls} shape. */
    TOOL_CALLS("tool_calls"),
    /** Token usage. */
    USAGE("usage"),
    /** The one terminal event. */
    END("end"),
    /** A resume cannot be served from the replay buffer. */
    RESET("reset"),
    /** The events a resume can no longer get one by one, folded into one: the answer up to its seq. */
    SNAPSHOT("snapshot"),
    /**
     * The generation started over (its gateway member was lost and another re-issued the prompt): the answer so far
     * is dropped, and the events after this one are the new answer.
     */
    RESTART("restart");

    private final String wireName;

    Type(String wireName) {
      this.wireName = wireName;
    }

    /** @return the name on the wire */
    public String wireName() {
      return wireName;
    }
  }

  private static final byte[] TOKEN_MIDDLE = ",\"type\":\"token\",\"text\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] REASONING_MIDDLE = ",\"type\":\"reasoning\",\"text\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TOKEN_END = "\"}".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SEQ_KEY = ",\"seq\":".getBytes(StandardCharsets.US_ASCII);

  private final long seq;
  private final Type type;
  private final byte[] json;
  // Where a token's escaped text starts in json (it ends before TOKEN_END), so that a snapshot folds it by a copy.
  private final int textStart;

  private StreamEvent(long seq, Type type, byte[] json, int textStart) {
    if (seq < 1) {
      throw new IllegalArgumentException("seq counts from 1, got " + seq);
    }
    this.seq = seq;
    this.type = Objects.requireNonNull(type, "type");
    this.json = json;
    this.textStart = textStart;
  }

  /** An event whose envelope was encoded elsewhere in this package (a snapshot). */
  static StreamEvent encoded(long seq, Type type, byte[] json) {
    return new StreamEvent(seq, type, json, -1);
  }

  /**
   * An event of any type, encoded from its fields.
   *
   * @param streamId the stream
   * @param seq the position in the stream, from 1, without gaps
   * @param type what the event is
   * @param data the type's fields ({@code text}, and only it, for a token; {@code reason}/{@code code}/{@code message}
   *     for an end)
   * @return the event
   * @throws IllegalArgumentException for a token whose data is not exactly a {@code text} string
   */
  public static StreamEvent of(String streamId, long seq, Type type, JsonObject data) {
    Objects.requireNonNull(streamId, "streamId");
    if (type == Type.TOKEN || type == Type.REASONING) {
      // One layout for every token event, whoever builds it: a snapshot finds the text at a known place.
      if (data == null || data.size() != 1 || !(data.getValue("text") instanceof String text)) {
        throw new IllegalArgumentException("a " + type.wireName() + " event carries exactly one field, the text string");
      }
      return textEvent(envelopePrefix(streamId), seq, JsonText.escape(text), type);
    }
    JsonObject envelope = new JsonObject().put("streamId", streamId).put("seq", seq)
      .put("type", Objects.requireNonNull(type, "type").wireName());
    if (data != null) {
      data.forEach(entry -> envelope.put(entry.getKey(), entry.getValue()));
    }
    return new StreamEvent(seq, type, envelope.toBuffer().getBytes(), -1);
  }

  /**
   * The start of every envelope of a stream, {@code {"streamId":"...","seq":}}, computed once per stream.
   *
   * @param streamId the stream
   * @return the bytes
   */
  public static byte[] envelopePrefix(String streamId) {
    return Buffer.buffer(streamId.length() + 24).appendString("{\"streamId\":")
      .appendBytes(JsonText.quoted(streamId)).appendString(",\"seq\":").getBytes();
  }

  /**
   * A token event, written straight from text that is already escaped: the path every generated token takes.
   *
   * @param envelopePrefix the stream's {@link #envelopePrefix}
   * @param seq the position in the stream
   * @param escapedText the text, escaped for a JSON string, without quotes
   * @return the event
   */
  public static StreamEvent token(byte[] envelopePrefix, long seq, Buffer escapedText) {
    return textEvent(envelopePrefix, seq, escapedText, Type.TOKEN);
  }

  /**
   * A reasoning event, laid out as a token event.
   *
   * @param envelopePrefix the stream's {@link #envelopePrefix}
   * @param seq the position in the stream
   * @param escapedText the reasoning text, escaped for a JSON string, without quotes
   * @return the event
   */
  public static StreamEvent reasoning(byte[] envelopePrefix, long seq, Buffer escapedText) {
    return textEvent(envelopePrefix, seq, escapedText, Type.REASONING);
  }

  private static StreamEvent textEvent(byte[] envelopePrefix, long seq, Buffer escapedText, Type type) {
    byte[] middle = type == Type.TOKEN ? TOKEN_MIDDLE : REASONING_MIDDLE;
    int seqDigits = digits(seq);
    int textLength = escapedText.length();
    byte[] json = new byte[envelopePrefix.length + seqDigits + middle.length + textLength + TOKEN_END.length];
    int at = copy(envelopePrefix, json, 0);
    for (long rest = seq, i = at + seqDigits - 1; i >= at; i--, rest /= 10) {
      json[(int) i] = (byte) ('0' + rest % 10);
    }
    at = copy(middle, json, at + seqDigits);
    escapedText.getBytes(0, textLength, json, at);
    copy(TOKEN_END, json, at + textLength);
    return new StreamEvent(seq, type, json, at);
  }

  private static int copy(byte[] from, byte[] to, int at) {
    System.arraycopy(from, 0, to, at, from.length);
    return at + from.length;
  }

  private static int digits(long value) {
    int digits = 1;
    for (long rest = value / 10; rest > 0; rest /= 10) {
      digits++;
    }
    return digits;
  }

  /**
   * The event a reader gets when the events after its cursor were evicted: its seq is {@code resumeFrom - 1}, so
   * the reader takes it as its new cursor.
   *
   * @param streamId the stream
   * @param cursor the reader's cursor
   * @param resumeFrom the first event still held
   * @return the reset
   */
  public static StreamEvent reset(String streamId, long cursor, long resumeFrom) {
    return reset(streamId, null, cursor, resumeFrom);
  }

  /**
   * A reset that also names the prompt's request id, since the {@code start} event carrying it may be lost.
   *
   * @param streamId the stream
   * @param requestId the client's request id, or {@code null}
   * @param cursor the reader's cursor
   * @param resumeFrom the first event still held
   * @return the reset
   */
  public static StreamEvent reset(String streamId, String requestId, long cursor, long resumeFrom) {
    JsonObject data = new JsonObject().put("reason", "evicted").put("missedFrom", cursor + 1).put("resumeFrom", resumeFrom);
    if (requestId != null) {
      data.put("requestId", requestId);
    }
    return of(streamId, resumeFrom - 1, Type.RESET, data);
  }

  /**
   * An event from its encoded envelope, as another member sent it: trusted, not parsed again.
   *
   * @param seq the event's seq
   * @param type the event's type
   * @param json the envelope's bytes, which must carry that seq and type
   * @return the event
   */
  public static StreamEvent restore(long seq, Type type, byte[] json) {
    return new StreamEvent(seq, type, json, type == Type.TOKEN ? textStartOf(json, TOKEN_MIDDLE)
      : type == Type.REASONING ? textStartOf(json, REASONING_MIDDLE) : -1);
  }

  /** Where a token's text starts in the envelope {@link #token} wrote: right after its type and text keys. */
  private static int textStartOf(byte[] json, byte[] middle) {
    outer:
    for (int i = 0; i + middle.length <= json.length; i++) {
      for (int j = 0; j < middle.length; j++) {
        if (json[i + j] != middle[j]) {
          continue outer;
        }
      }
      return i + middle.length;
    }
    throw new IllegalArgumentException("not a token envelope");
  }

  /**
   * Appends a token's text as it is in the envelope, escaped for a JSON string, without quotes.
   *
   * @param out where to write
   * @throws IllegalStateException when this is not a token
   */
  void appendEscapedText(Buffer out) {
    if (textStart < 0) {
      throw new IllegalStateException("not a token event: " + type.wireName());
    }
    out.appendBytes(json, textStart, json.length - TOKEN_END.length - textStart);
  }

  /** @return a token's escaped text length in bytes, 0 for other events */
  int escapedTextLength() {
    return textStart < 0 ? 0 : json.length - TOKEN_END.length - textStart;
  }

  /**
   * The stream's {@link #envelopePrefix} as it starts this event: every envelope opens with it. The streamId is a
   * JSON string, in which a quote is escaped, so the first {@code ,"seq":} is the key.
   *
   * @return a copy of the bytes
   */
  byte[] envelopePrefix() {
    outer:
    for (int i = 0; i + SEQ_KEY.length <= json.length; i++) {
      for (int j = 0; j < SEQ_KEY.length; j++) {
        if (json[i + j] != SEQ_KEY[j]) {
          continue outer;
        }
      }
      return java.util.Arrays.copyOf(json, i + SEQ_KEY.length);
    }
    throw new IllegalStateException("not an envelope: " + this);
  }

  /** @return the position in the stream */
  public long seq() {
    return seq;
  }

  /** @return what the event is */
  public Type type() {
    return type;
  }

  /** @return whether this is the terminal event */
  public boolean isEnd() {
    return type == Type.END;
  }

  /**
   * The encoded envelope, shared by every reader of the event: a frame is built around these bytes (copied, or
   * wrapped read-only), and they are never changed.
   *
   * @return the UTF-8 JSON bytes
   */
  public byte[] encoded() {
    return json;
  }

  /**
   * Appends the encoded envelope.
   *
   * @param out where to write
   * @return {@code out}
   */
  public Buffer appendTo(Buffer out) {
    return out.appendBytes(json);
  }

  /**
   * The envelope decoded, for tests and rare readers; transports use the bytes.
   *
   * @return a new JSON object
   */
  public JsonObject toJson() {
    return new JsonObject(Buffer.buffer(json));
  }

  @Override
  public String toString() {
    return new String(json, StandardCharsets.UTF_8);
  }
}
