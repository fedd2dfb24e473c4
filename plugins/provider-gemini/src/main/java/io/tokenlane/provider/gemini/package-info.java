/**
 * The {@code gemini} provider plugin: Google's Gemini API through its native streaming endpoint.
 *
 * <p>Only {@link io.tokenlane.provider.gemini.GeminiProviderFactory} is public. Per prompt, a {@code RequestMapper}
 * turns the OpenAI chat body into a {@code GenerateContentRequest}, a {@code GeminiStream} posts it to
 * {@code models/{model}:streamGenerateContent?alt=sse}, an {@code SseParser} splits the response into events and an
 * {@code EventDecoder} turns each {@code GenerateContentResponse} into sink calls.
 */
package io.tokenlane.provider.gemini;
