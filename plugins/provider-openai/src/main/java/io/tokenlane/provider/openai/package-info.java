/**
 * The {@code openai} provider plugin: any upstream that speaks OpenAI's streaming chat-completions API.
 *
 * <p>Only {@link io.tokenlane.provider.openai.OpenAiProviderFactory} is public. Per prompt, an
 * {@code OpenAiStream} posts to {@code /chat/completions} with {@code stream: true}, an {@code SseParser} splits
 * the response into events and a {@code ChunkDecoder} turns each chunk into sink calls.
 */
package io.tokenlane.provider.openai;
