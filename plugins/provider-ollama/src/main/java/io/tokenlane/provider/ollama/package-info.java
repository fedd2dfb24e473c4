/**
 * The {@code ollama} provider plugin: Ollama's native streaming chat API.
 *
 * <p>Only {@link io.tokenlane.provider.ollama.OllamaProviderFactory} is public. Per prompt, a {@code RequestMapper}
 * turns the OpenAI-shaped request into an {@code /api/chat} body, an {@code OllamaStream} posts it with
 * {@code stream: true}, a {@code LineBuffer} splits the NDJSON response into lines and a {@code LineDecoder} reads
 * each line's fields with Jackson's streaming parser.
 */
package io.tokenlane.provider.ollama;
