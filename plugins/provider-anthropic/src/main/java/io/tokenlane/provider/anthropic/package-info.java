/**
 * The {@code anthropic} provider plugin: Anthropic's streaming Messages API, natively.
 *
 * <p>Only {@link io.tokenlane.provider.anthropic.AnthropicProviderFactory} is public. Per prompt, a
 * {@code RequestMapper} turns the OpenAI-shaped request into a Messages body, an {@code AnthropicStream} posts it to
 * {@code /v1/messages} with {@code stream: true}, an {@code SseParser} splits the response into events and an
 * {@code EventDecoder} turns each event into sink calls.
 */
package io.tokenlane.provider.anthropic;
