package io.tokenlane.core.stream;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * One event of a stream in the gateway's own envelope, the same on every native transport: an explicit,
 * per-stream, monotonic {@code seq} (from 1) lets a client drop what it has already seen after a reconnect.
 *
 * @param streamId the stream
 * @param seq the position in the stream, from 1, without gaps
 * @param type what the event is
 * @param data the type's fields ({@code text} for a token, {@code reason}/{@code code}/{@code message} for an end)
 */
public record StreamEvent(String streamId, long seq, Type type, JsonObject data) {

  /** The event types of protocol v1. */
  public enum Type {
    /** The stream started. */
    START("start"),
    /** Generated text; several tokens may be batched in one event. */
    TOKEN("token"),
    /** Tool-call deltas, in OpenAI's {@code delta.tool_calls} shape. */
    TOOL_CALLS("tool_calls"),
    /** Token usage. */
    USAGE("usage"),
    /** The one terminal event. */
    END("end"),
    /** A resume cannot be served from the replay buffer. */
    RESET("reset");

    private final String wireName;

    Type(String wireName) {
      this.wireName = wireName;
    }

    /** @return the name on the wire */
    public String wireName() {
      return wireName;
    }
  }

  /**
   * Checks the fields.
   */
  public StreamEvent {
    Objects.requireNonNull(streamId, "streamId");
    Objects.requireNonNull(type, "type");
    if (seq < 1) {
      throw new IllegalArgumentException("seq counts from 1, got " + seq);
    }
    data = data == null ? new JsonObject() : data;
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
    return new StreamEvent(streamId, resumeFrom - 1, Type.RESET, data);
  }

  /** @return whether this is the terminal event */
  public boolean isEnd() {
    return type == Type.END;
  }

  /**
   * The envelope: {@code {"streamId", "seq", "type", ...data}}.
   *
   * @return a new JSON object
   */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("streamId", streamId).put("seq", seq).put("type", type.wireName());
    data.forEach(entry -> json.put(entry.getKey(), entry.getValue()));
    return json;
  }
}
