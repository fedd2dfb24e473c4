package io.tokenlane.bench.phase;

/**
 * Client cancel to upstream connection closed, one stream at a time.
 *
 * @param how what the client does to cancel on this path
 * @param attempts cancels tried
 * @param reached cancels the upstream saw (its connection closed) within the wait
 * @param latency cancel to close, ms, of those that reached it
 */
public record CancelFigures(String how, int attempts, int reached, Quantiles latency) {
}
