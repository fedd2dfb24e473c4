package io.tokenlane.bench.fanout;

import io.tokenlane.bench.phase.Quantiles;

/**
 * {@code GET /readyz} probes over a window.
 *
 * @param latency connect to the answer's last byte, of the probes answered 200, ms
 * @param failed probes that failed, timed out or answered other than 200
 */
public record ReadyzFigures(Quantiles latency, int failed) {
}
