package io.tokenlane.bench.target;

import java.util.List;
import java.util.Map;

/** No hop: the client talks to the fake upstream itself. The floor every other path is compared with. */
public final class DirectTarget implements Target {

  @Override
  public Endpoint start(UpstreamPorts upstream) {
    return Endpoint.openAi(upstream.openAi(), Map.of());
  }

  @Override
  public List<Long> pids() {
    return List.of();
  }

  @Override
  public void close() {
    // nothing started
  }
}
