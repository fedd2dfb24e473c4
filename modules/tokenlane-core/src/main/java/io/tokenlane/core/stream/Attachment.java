package io.tokenlane.core.stream;

/**
 * A client attached to a {@link HubStream}. While a stream has at least one attachment it is not detached; when
 * the last one closes, the detach grace starts.
 */
public interface Attachment {

  /** Detaches (never cancels the stream). Idempotent; call on the context that attached. */
  void close();
}
