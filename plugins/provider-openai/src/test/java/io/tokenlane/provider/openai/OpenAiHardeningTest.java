package io.tokenlane.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.ProviderError;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.openai.Script;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** Inputs a real deployment produces and the happy-path tests do not: secrets with newlines, odd chunks. */
class OpenAiHardeningTest extends OpenAiProviderTestBase {

  @Test
  void aKeyReadFromAFileWithATrailingNewlineIsSentWithoutIt() {
    deploy(config().put("apiKey", API_KEY + "\n"));
    RecordedStream stream = run(Script.tokens("ok"));
    assertEquals("ok", stream.text());
    assertEquals("Bearer " + API_KEY, upstream.lastRequest().header("authorization"));
  }

  @Test
  void controlCharactersInTheKeyOrHeadersAreRefusedAtStartWithoutShowingTheKey() {
    IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
      () -> OpenAiConfig.from("test", config().put("apiKey", "sk-abc\rdef")));
    assertTrue(key.getMessage().startsWith("apiKey: "), key.getMessage());
    assertFalse(key.getMessage().contains("sk-abc"), key.getMessage());
    IllegalArgumentException header = assertThrows(IllegalArgumentException.class,
      () -> OpenAiConfig.from("test", config().put("headers", new JsonObject().put("X-Team", "a\nb"))));
    assertTrue(header.getMessage().startsWith("headers.X-Team: "), header.getMessage());
  }

  @Test
  void aChunkWithANullChoiceFailsAsABadResponseInsteadOfEndingCleanly() {
    String body = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[null]}\n\n"
      + "data: [DONE]\n\n";
    RecordedStream stream = run(Script.raw(200, "text/event-stream", body));
    assertNull(stream.finishReason());
    assertEquals(ProviderError.BAD_RESPONSE, stream.error().code());
  }
}
