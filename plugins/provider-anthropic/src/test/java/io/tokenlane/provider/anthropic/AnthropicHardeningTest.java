package io.tokenlane.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.spi.FinishReason;
import io.tokenlane.spi.ProviderError;
import io.tokenlane.spi.Usage;
import io.tokenlane.testkit.RecordedStream;
import io.tokenlane.testkit.anthropic.Script;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A hostile or broken upstream: every oddity ends in exactly one terminal call, never an exception or a hang. */
class AnthropicHardeningTest extends AnthropicProviderTestBase {

  private static final String START = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
    + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5\",\"usage\":"
    + "{\"input_tokens\":3,\"output_tokens\":1}}}\n\n"
    + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
    + "{\"type\":\"text\",\"text\":\"\"}}\n\n";
  private static final String END = "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
    + "{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2}}\n\n"
    + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

  private static String text(String json) {
    return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
      + "{\"type\":\"text_delta\",\"text\":" + json + "}}\n\n";
  }

  private RecordedStream play(String body) {
    return run(Script.raw(200, "text/event-stream; charset=utf-8", body));
  }

  private ProviderError badResponse(RecordedStream stream) {
    assertNull(stream.finishReason(), "a broken stream must not end cleanly");
    assertEquals(1, stream.terminalCalls());
    assertEquals(ProviderError.BAD_RESPONSE, stream.error().code());
    return stream.error();
  }

  @Test
  void theRecordedStreamWrittenOneByteAtATimeArrivesWhole() {
    RecordedStream stream = run(Script.raw(200, "text/event-stream; charset=utf-8",
      Buffer.buffer(RecordedStreamDecodingTest.recorded())).splitEveryBytes(1));

    assertEquals("The user wants the weather in Z\u00fcrich \u2014 I should call get_weather.", stream.reasoning());
    assertEquals("Je regarde la m\u00e9t\u00e9o \u00e0 Z\u00fcrich \u2600\ufe0f \uD83C\uDF0D \u5929\u6c14", stream.text());
    assertEquals(new Usage(2520, 89), stream.usage());
    assertEquals(FinishReason.TOOL_CALLS, stream.finishReason());
  }

  @Test
  void invalidUtf8InATextDeltaIsABadResponse() {
    Buffer body = Buffer.buffer(START).appendString(text("\"ok\"")).appendString(text("\"caf").replace("\n\n", ""))
      .appendBytes(new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF}).appendString("\"}}\n\n").appendString(END);

    RecordedStream stream = run(Script.raw(200, "text/event-stream", body));

    assertEquals("ok", stream.text());
    assertTrue(badResponse(stream).message().startsWith("upstream sent an event that is not a Messages stream event"),
      stream.error().message());
  }

  @Test
  void dataThatIsNotJsonIsABadResponse() {
    RecordedStream stream = play(START
      + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\n\n" + END);

    badResponse(stream);
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "{\"type\":\"content_block_delta\",\"index\":\"zero\",\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}",
    "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":[\"text_delta\"]}",
    "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":7}}",
    "{\"type\":\"content_block_delta\",\"index\":0}",
    "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\"}}",
    "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":-5}}",
    "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":\"2\"}}",
    "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"name\":\"f\"}}",
    "[\"message_stop\"]",
    "{\"type\":\"message_stop\"} {\"type\":\"message_stop\"}"})
  void eventsOfTheWrongShapeAreABadResponseNotAnException(String data) {
    RecordedStream stream = play(START + text("\"a\"") + "event: x\ndata: " + data + "\n\n" + END);

    assertEquals("a", stream.text());
    badResponse(stream);
  }

  @Test
  void nestingDeeperThanAnyEventIsRefused() {
    String deep = "[".repeat(500) + "]".repeat(500);
    RecordedStream stream = play(START + "event: ping\ndata: {\"type\":\"ping\",\"x\":" + deep + "}\n\n" + END);

    badResponse(stream);
  }

  @Test
  void anEventThatNeverEndsIsRefusedOnceItOutgrowsTheLimitAndTheConnectionIsClosed() {
    String huge = START + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
      + "{\"type\":\"text_delta\",\"text\":\"" + "x".repeat(AnthropicStream.EVENT_LIMIT + 1024);
    upstream.enqueue(Script.raw(200, "text/event-stream", huge).splitEveryBytes(256 * 1024).stallAfter(0));

    RecordedStream stream = finished(harness().start(prompt()));

    assertTrue(badResponse(stream).message().contains("without ending an event"), stream.error().message());
    await(upstream.awaitClientClosed());
  }

  @Test
  void htmlServedAsAnEventStreamIsABadResponse() {
    RecordedStream stream = play("<html>\n<body>Service unavailable</body>\n</html>\n");

    assertTrue(badResponse(stream).message().contains("not server-sent events"), stream.error().message());
  }

  @Test
  void unknownEventsBlocksAndDeltasAreIgnoredAsAnthropicAsksClientsToDo() {
    RecordedStream stream = play(START
      + "event: brand_new_event\ndata: {\"type\":\"brand_new_event\",\"whatever\":[1,2,3]}\n\n"
      + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":"
      + "{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_1\",\"name\":\"web_search\",\"input\":{}}}\n\n"
      + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
      + "{\"type\":\"citations_delta\",\"citation\":{\"type\":\"char_location\"}}}\n\n"
      + text("\"still here\"") + END);

    assertEquals("still here", stream.text());
    assertNull(stream.error());
    assertEquals(FinishReason.STOP, stream.finishReason());
  }

  @Test
  void nullUsageCountsFromOlderApiVersionsCountAsZero() {
    RecordedStream stream = play(START.replace("\"output_tokens\":1}", "\"output_tokens\":1,"
      + "\"cache_creation_input_tokens\":null,\"cache_read_input_tokens\":null}") + text("\"a\"") + END);

    assertEquals(new Usage(3, 2), stream.usage());
    assertEquals(FinishReason.STOP, stream.finishReason());
  }

  @Test
  void aKeyReadFromAFileWithATrailingNewlineIsSentWithoutIt() {
    deploy(config().put("apiKey", API_KEY + "\n"));

    RecordedStream stream = run(Script.tokens("ok"));

    assertEquals("ok", stream.text());
    assertEquals(API_KEY, upstream.lastRequest().header("x-api-key"));
  }

  @Test
  void controlCharactersInTheKeyOrHeadersAreRefusedAtStartWithoutShowingTheKey() {
    IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
      () -> AnthropicConfig.from("test", config().put("apiKey", "sk-ant-abc\rdef")));
    assertTrue(key.getMessage().startsWith("apiKey: "), key.getMessage());
    assertFalse(key.getMessage().contains("sk-ant-abc"), key.getMessage());
    IllegalArgumentException header = assertThrows(IllegalArgumentException.class,
      () -> AnthropicConfig.from("test", config().put("headers", new JsonObject().put("X-Team", "a\nb"))));
    assertTrue(header.getMessage().startsWith("headers.X-Team: "), header.getMessage());
    IllegalArgumentException beta = assertThrows(IllegalArgumentException.class,
      () -> AnthropicConfig.from("test", config().put("anthropicBeta", "a\r\nX-Evil: 1")));
    assertTrue(beta.getMessage().startsWith("anthropicBeta: "), beta.getMessage());
  }
}
