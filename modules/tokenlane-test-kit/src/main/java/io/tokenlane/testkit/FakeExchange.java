package io.tokenlane.testkit;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Plays one scripted answer to one request of a {@link FakeUpstream}: the plumbing every fake shares (ending a whole
 * answer, writing a streamed one piece by piece, ending, dropping or stalling it), while the subclass turns its
 * script into its provider's exact bytes.
 *
 * <p>Created on the server connection's event loop, and used on it only.
 *
 * @since 1.2
 */
public abstract class FakeExchange {

  /** What the fake does once the events of an answer are written. */
  public enum Ending {
    /** Ends the response normally. */
    END,
    /** Closes the TCP connection without ending the response. */
    DROP,
    /** Sends nothing more and keeps the connection open until the client gives up. */
    STALL
  }

  /**
   * One event of a streamed answer, as the pieces it is written in, each its own write.
   *
   * @param pieces the pieces, at least one
   * @param paced whether the event waits for the script's delay before it is written; an event that is not follows
   *     what precedes it on the next event-loop turn
   */
  protected record Event(List<Buffer> pieces, boolean paced) {

    /** Creates an event; public, as a subclass in another package creates them. */
    public Event {
    }
  }

  private final Vertx vertx;
  /** The server connection's context: the exchange writes on its event loop only. */
  private final Context context;
  /** The request being answered. */
  protected final HttpServerRequest request;
  /** The response being written. */
  protected final HttpServerResponse response;
  private final long delayMs;
  private final Ending ending;
  private boolean over;

  /**
   * Creates the exchange on the server connection's event loop.
   *
   * @param vertx the fake's Vert.x instance
   * @param request the request to answer
   * @param delayMs the script's pause before a paced event (but the first), {@code 0} for none
   * @param ending what the script does once its events are written
   */
  protected FakeExchange(Vertx vertx, HttpServerRequest request, long delayMs, Ending ending) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.request = request;
    this.response = request.response();
    this.delayMs = delayMs;
    this.ending = ending;
  }

  /** Whether the fake has finished its answer (ended it or dropped the connection on purpose). */
  final boolean isOver() {
    return over;
  }

  /**
   * Marks the answer as finished by the fake, so the connection closing now is not counted as the client's doing.
   */
  protected final void markOver() {
    over = true;
  }

  /**
   * Answers in one write and ends the response.
   *
   * @param status the status code
   * @param contentType the content type, unless the script set one
   * @param text the whole body
   */
  protected final void endWith(int status, String contentType, String text) {
    over = true;
    if (!response.headers().contains("content-type")) {
      response.putHeader("content-type", contentType);
    }
    response.setStatusCode(status).end(text);
  }

  /**
   * Cuts bytes into the pieces they are written in.
   *
   * @param bytes the bytes
   * @param start where to start in {@code bytes}
   * @param splitBytes the size of a piece, or {@code 0} for one piece
   * @return the pieces, in order
   */
  protected static List<Buffer> pieces(byte[] bytes, int start, int splitBytes) {
    if (splitBytes == 0) {
      return List.of(Buffer.buffer().appendBytes(bytes, start, bytes.length - start));
    }
    List<Buffer> pieces = new ArrayList<>();
    for (int from = start; from < bytes.length; from += splitBytes) {
      pieces.add(Buffer.buffer().appendBytes(bytes, from, Math.min(splitBytes, bytes.length - from)));
    }
    return pieces;
  }

  /**
   * Writes the events on the chunked response, then ends it as the script says.
   *
   * <p>Each piece of each event goes out on its own event-loop turn, as a model server that produces one token at a
   * time does: Vert.x flushes a write made while the connection is being read only once the read is over, and a
   * write made from a task or timer at once, so a loop of writes here would reach the client as one TCP write. A
   * {@linkplain Event#paced paced} event waits for the script's delay instead. Stops as soon as the client closed
   * the connection.
   *
   * @param events the events, in order
   */
  protected final void writeEvents(List<Event> events) {
    Iterator<Event> remaining = events.iterator();
    if (response.closed()) {
      return;
    }
    if (!remaining.hasNext()) {
      finish();
      return;
    }
    writePieces(remaining.next().pieces().iterator(), remaining);
  }

  private void writePieces(Iterator<Buffer> pieces, Iterator<Event> events) {
    if (response.closed()) {
      return;
    }
    response.write(pieces.next());
    if (pieces.hasNext()) {
      context.runOnContext(v -> writePieces(pieces, events));
    } else if (!events.hasNext()) {
      finish();
    } else {
      Event next = events.next();
      if (delayMs > 0 && next.paced()) {
        vertx.setTimer(delayMs, id -> writePieces(next.pieces().iterator(), events));
      } else {
        context.runOnContext(v -> writePieces(next.pieces().iterator(), events));
      }
    }
  }

  private void finish() {
    switch (ending) {
      case END -> {
        over = true;
        response.end();
      }
      case DROP -> {
        over = true;
        request.connection().close();
      }
      case STALL -> {
        // Nothing more: the client must give up, and the fake counts that as the client closing.
      }
    }
  }
}
