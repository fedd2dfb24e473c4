package io.tokenlane.provider.gemini;

/**
 * A stream in the exact bytes Google's servers send for {@code streamGenerateContent?alt=sse} with
 * {@code includeThoughts}: {@code ": "} after keys, {@code <} and {@code >} escaped as {@code \u003c}, other
 * characters raw UTF-8, events ended by a blank CRLF line, no {@code [DONE]}. Written for these tests in that
 * format; the text is ours.
 */
final class RecordedStreams {

  static final String THOUGHT = "**Greeting the world**\n\nThe user wants a short greeting.";
  static final String TEXT = "Hello, world! <3 \u00c7a va? \uD83C\uDF0D";

  static final String TEXT_WITH_THOUGHTS = ""
    + "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"**Greeting the world**\\n\\nThe user wants a short "
    + "greeting.\",\"thought\": true}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 12,"
    + "\"totalTokenCount\": 43,\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 12}],"
    + "\"thoughtsTokenCount\": 31},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"q3YuacKfDtWU0-kPv4OtmQ8\"}"
    + "\r\n\r\n"
    + "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hello, world! \\u003c3\"}],\"role\": \"model\"},"
    + "\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 12,\"candidatesTokenCount\": 6,\"totalTokenCount\": 49,"
    + "\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 12}],\"thoughtsTokenCount\": 31},"
    + "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"q3YuacKfDtWU0-kPv4OtmQ8\"}"
    + "\r\n\r\n"
    + "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" \u00c7a va? \uD83C\uDF0D\"}],\"role\": \"model\"},"
    + "\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 12,\"candidatesTokenCount\": 9,"
    + "\"totalTokenCount\": 52,\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 12}],"
    + "\"thoughtsTokenCount\": 31},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"q3YuacKfDtWU0-kPv4OtmQ8\"}"
    + "\r\n\r\n";

  private RecordedStreams() {
  }
}
