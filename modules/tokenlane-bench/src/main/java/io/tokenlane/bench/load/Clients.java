package io.tokenlane.bench.load;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.target.Endpoint;

/**
 * What kind of client the load generator makes: the path's protocol, where prompts go and where streams are read
 * (and cancelled). The two differ only for a cluster, where a follower on another member than the stream's owner
 * reads it through that member's mirror; only the native SSE client reads elsewhere than it prompts.
 *
 * @param path the protocol
 * @param prompts where sessions are created and prompts sent
 * @param reads where streams are read and cancelled
 */
public record Clients(BenchPath path, Endpoint prompts, Endpoint reads) {

  /** @return clients that prompt and read on one endpoint, as on a single node */
  public static Clients of(BenchPath path, Endpoint endpoint) {
    return new Clients(path, endpoint, endpoint);
  }
}
