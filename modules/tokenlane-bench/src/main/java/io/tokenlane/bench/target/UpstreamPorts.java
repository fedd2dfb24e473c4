package io.tokenlane.bench.target;

/**
 * Where the fake upstream process listens: one port per wire format it speaks.
 *
 * @param openAi the OpenAI fake's port ({@code /v1/chat/completions}): every path but the Anthropic one
 * @param anthropic the Anthropic fake's port ({@code /v1/messages}), for Tokenlane's {@code anthropic} provider
 */
public record UpstreamPorts(int openAi, int anthropic) {
}
