package io.tokenlane.bench.phase;

import io.tokenlane.bench.BenchPath;
import io.tokenlane.bench.target.Endpoint;
import io.tokenlane.bench.target.Target;
import io.tokenlane.bench.upstream.UpstreamProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * Where a path's processes come from: started fresh for each path and stopped after it (measurements), or started
 * once and shared by every path of the run (the smoke test, where time matters more than isolation).
 */
public interface Stage extends AutoCloseable {

  /**
   * A path's running upstream and target.
   *
   * @param newJvm whether a JVM was started for this path (the upstream, or a gateway): its JIT is cold
   */
  record Lease(UpstreamProcess upstream, Target target, Endpoint endpoint, boolean newJvm) {
  }

  /** @return a stage starting fresh processes for each path */
  static Stage fresh(Path workDir) {
    return new Fresh(workDir);
  }

  /** @return a stage sharing one upstream and one target per kind of hop across the run */
  static Stage shared(Path workDir) {
    return new Shared(workDir);
  }

  /** Starts (or finds) the path's upstream and target. */
  Lease acquire(BenchPath path, Target target) throws IOException;

  /** Done with the path. */
  void release(Lease lease);

  /** @return whether processes outlive a path (then memory runs do not restart the target) */
  boolean shared();

  @Override
  void close();

  /** Fresh processes per path. */
  final class Fresh implements Stage {

    private final Path workDir;

    private Fresh(Path workDir) {
      this.workDir = workDir;
    }

    @Override
    public Lease acquire(BenchPath path, Target target) throws IOException {
      UpstreamProcess upstream = UpstreamProcess.start(workDir);
      try {
        return new Lease(upstream, target, target.start(upstream.ports()), true);
      } catch (IOException | RuntimeException e) {
        target.close();
        upstream.close();
        throw e;
      }
    }

    @Override
    public void release(Lease lease) {
      lease.target().close();
      lease.upstream().close();
    }

    @Override
    public boolean shared() {
      return false;
    }

    @Override
    public void close() {
      // nothing outlives a path
    }
  }

  /** One upstream, one target per kind of hop. */
  final class Shared implements Stage {

    private final Path workDir;
    private final Map<BenchPath.Hop, Lease> leases = new EnumMap<>(BenchPath.Hop.class);
    private UpstreamProcess upstream;

    private Shared(Path workDir) {
      this.workDir = workDir;
    }

    @Override
    public Lease acquire(BenchPath path, Target target) throws IOException {
      boolean newUpstream = upstream == null;
      if (upstream == null) {
        upstream = UpstreamProcess.start(workDir);
      }
      Lease lease = leases.get(path.hop());
      if (lease == null) {
        lease = new Lease(upstream, target, target.start(upstream.ports()), newUpstream);
        leases.put(path.hop(), lease);
        return new Lease(upstream, target, lease.endpoint(), newUpstream || target.jvmPid() > 0);
      }
      return new Lease(upstream, lease.target(), lease.endpoint(), newUpstream);
    }

    @Override
    public void release(Lease lease) {
      // kept for the next path
    }

    @Override
    public boolean shared() {
      return true;
    }

    /** Stops what it started; a second call (the run's end, after the cluster phase closed it early) does nothing. */
    @Override
    public void close() {
      leases.values().forEach(lease -> lease.target().close());
      leases.clear();
      if (upstream != null) {
        upstream.close();
        upstream = null;
      }
    }
  }
}
