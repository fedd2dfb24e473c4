package com.example.tokenlane.echo;

import io.tokenlane.spi.ChatRequest;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.ProviderStream;
import io.tokenlane.spi.ProviderVerticle;
import io.tokenlane.spi.StreamSink;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One deployed echo provider. It has no upstream to connect to, so it needs no {@code start()}: each prompt
 * becomes an {@link EchoStream} on this verticle's event loop, and timers left behind are cancelled by Vert.x
 * on undeploy.
 */
final class EchoProviderVerticle extends ProviderVerticle {

  private final EchoConfig config;

  EchoProviderVerticle(EchoConfig config) {
    this.config = config;
  }

  @Override
  public ProviderStream stream(ChatRequest request, StreamSink sink) {
    String text = lastUserText(request.messages());
    if (text == null) {
      sink.fail(new ProviderError(ProviderError.INVALID_REQUEST, "there is no user message to echo", 400));
      return () -> { };
    }
    EchoStream stream = new EchoStream(providerContext(), config, words(text), request.maxTokens(), sink);
    stream.start();
    return stream;
  }

  static List<String> words(String text) {
    return text.isBlank() ? List.of() : List.of(text.trim().split("\\s+"));
  }

  /** The text of the last {@code user} message, its text parts joined by spaces; {@code null} if there is none. */
  static String lastUserText(JsonArray messages) {
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (messages.getValue(i) instanceof JsonObject message && "user".equals(message.getValue("role"))) {
        return contentText(message.getValue("content"));
      }
    }
    return null;
  }

  private static String contentText(Object content) {
    if (content instanceof String text) {
      return text;
    }
    StringBuilder text = new StringBuilder();
    if (content instanceof JsonArray parts) {
      for (Object part : parts) {
        if (part instanceof JsonObject object && "text".equals(object.getValue("type"))) {
          text.append(object.getString("text", "")).append(' ');
        }
      }
    }
    return text.toString();
  }
}
