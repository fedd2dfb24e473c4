package io.tokenlane.transport.http;

import io.tokenlane.core.Gateway;
import io.tokenlane.core.GatewayException;
import io.tokenlane.core.auth.Ticket;
import io.tokenlane.core.stream.ActiveStream;
import io.tokenlane.core.stream.StreamObserver;
import io.tokenlane.transport.AccessLog;
import io.tokenlane.transport.auth.Access;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.impl.RoutingContextInternal;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * What every inbound LLM API (OpenAI chat completions, OpenAI Responses, Anthropic Messages) does with a request
 * the same way: authenticate, translate and validate the body, admit it against the principal's limits, open the
 * stream, and cancel it when the client's connection goes. Only the wire formats differ. Called on the request's
 * event loop.
 */
public final class StreamRequests {

  private StreamRequests() {
  }

  /**
   * Serves one request.
   *
   * @param ctx the request, its body read
   * @param access who may call
   * @param prepare the parsed body to what the API needs, throwing a 400 {@link GatewayException} for a bad body
   * @param chat the chat-completions body of what {@code prepare} returned, for admission
   * @param start opens the stream once admitted; may throw a {@link GatewayException} (the ticket is abandoned)
   * @param refuse answers a refusal in the API's error shape
   * @param <T> the prepared request
   */
  public static <T> void serve(RoutingContext ctx, Access access, Function<JsonObject, T> prepare,
                               Function<T, JsonObject> chat, BiConsumer<T, Ticket> start,
                               BiConsumer<HttpServerResponse, GatewayException> refuse) {
    access.authenticate(ctx.request()).compose(principal -> {
      T request = prepare.apply(jsonObject(ctx));
      return access.admit(principal, chat.apply(request)).map(ticket -> {
        start.accept(request, ticket);
        // The routing context lives as long as the response (its end handlers), and its body would keep the
        // request's bytes and their parsed JSON for the whole stream (about 2 KB per open stream). The provider
        // holds what it sends upstream; only a routed model keeps the JSON, for its next attempt.
        ((RoutingContextInternal) ctx).setBody(null);
        return request;
      });
    }).onFailure(failure -> {
      if (failure instanceof GatewayException e) {
        refuse.accept(ctx.response(), e);
      } else {
        ctx.fail(failure);
      }
    });
  }

  /**
   * Opens an admitted stream, metered by its ticket, and cancels it when the request ends (a disconnect included).
   *
   * @param gateway the gateway
   * @param ctx the request
   * @param ticket the admission; abandoned when the stream fails to open
   * @param chat the chat-completions body
   * @param id the stream's id
   * @param observer where the stream goes
   * @param transport the label of the API in the stream's log line
   * @param onOpenFailure undoes what the observer registered (a keep-alive), when the stream fails to open
   * @return the stream
   */
  public static ActiveStream open(Gateway gateway, RoutingContext ctx, Ticket ticket, JsonObject chat, String id,
                                  StreamObserver observer, String transport, Runnable onOpenFailure) {
    ActiveStream active;
    try {
      active = gateway.open(chat, id, ticket.meter(observer),
        new Gateway.StreamLabels(transport, AccessLog.requestId(ctx), null));
    } catch (RuntimeException e) {
      ticket.abandon();
      onOpenFailure.run();
      throw e;
    }
    // The end handler runs on a disconnect as well as after a normal end (where cancel does nothing), and, unlike
    // response.closeHandler, cannot be replaced by another handler of the route.
    ctx.addEndHandler(ended -> active.cancel());
    if (ctx.response().closed()) {
      active.cancel();
    }
    return active;
  }

  /** @return 32 random hex digits, for response, message and item ids */
  public static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return Long.toHexString(random.nextLong() | Long.MIN_VALUE) + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
  }

  /**
   * The request's body as a JSON object.
   *
   * @param ctx the request, its body read
   * @return the object
   * @throws GatewayException 400 {@code invalid_json} when the body is not a JSON object
   */
  public static JsonObject jsonObject(RoutingContext ctx) {
    try {
      JsonObject body = ctx.body().asJsonObject();
      if (body == null) {
        throw GatewayException.invalid(null, "the request body must be a JSON object");
      }
      return body;
    } catch (DecodeException | ClassCastException e) {
      throw new GatewayException(400, "invalid_request_error", "invalid_json", null,
        "We could not parse the JSON body of your request: it must be a JSON object.");
    }
  }
}
