package io.tokenlane.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import io.tokenlane.core.stream.StreamHubOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.util.ArrayList;
import java.util.List;

/**
 * How a member joins the cluster: Hazelcast's address and discovery (a TCP member list, or Kubernetes DNS through a
 * headless service; never multicast), the event bus, and how often a stream's events cross the cluster.
 */
public final class ClusterOptions {

  /** Hazelcast's default port. */
  public static final int DEFAULT_PORT = 5701;
  /** Each event loop's streams cross the cluster together, at most every 50 ms. */
  public static final long DEFAULT_BATCH_MS = 50;
  /** A stream no other member follows is backed up every 250 ms (its end with the next batch). */
  public static final long DEFAULT_BACKUP_MS = 250;
  /** A first token that another member waits for goes within 2 ms of the previous write, with any others due. */
  public static final long DEFAULT_URGENT_MS = 2;
  /** A member silent for 5 s is dropped, and its streams end with {@code owner_lost}. */
  public static final long DEFAULT_MEMBER_TIMEOUT_MS = 5_000;

  private boolean enabled;
  private String name = "tokenlane";
  private String host = "0.0.0.0";
  private String publicHost = "";
  private int port = DEFAULT_PORT;
  private List<String> members = new ArrayList<>();
  private String kubernetesServiceDns = "";
  private int eventBusPort;
  private long batchMs = DEFAULT_BATCH_MS;
  private long backupMs = DEFAULT_BACKUP_MS;
  private long urgentMs = DEFAULT_URGENT_MS;
  private long memberTimeoutMs = DEFAULT_MEMBER_TIMEOUT_MS;
  private long rebalanceIntervalMs = DEFAULT_REBALANCE_INTERVAL_MS;
  private double rebalanceMargin = DEFAULT_REBALANCE_MARGIN;
  private boolean reissue;

  /** Members compare their open connections every 2 s. */
  public static final long DEFAULT_REBALANCE_INTERVAL_MS = 2_000;
  /** A member with 10% more connections than the cluster's mean sheds some. */
  public static final double DEFAULT_REBALANCE_MARGIN = 0.1;

  /** Defaults: clustering off. */
  public ClusterOptions() {
  }

  /**
   * From JSON, with defaults for missing keys.
   *
   * @param json the {@code cluster} section of the configuration
   */
  public ClusterOptions(JsonObject json) {
    enabled = json.getBoolean("enabled", false);
    name = json.getString("name", name);
    host = json.getString("host", host);
    publicHost = json.getString("publicHost", publicHost);
    port = json.getInteger("port", port);
    JsonArray list = json.getJsonArray("members", new JsonArray());
    list.forEach(member -> members.add(String.valueOf(member).trim()));
    kubernetesServiceDns = json.getString("kubernetesServiceDns", kubernetesServiceDns);
    eventBusPort = json.getInteger("eventBusPort", eventBusPort);
    batchMs = json.getLong("batchMs", batchMs);
    backupMs = json.getLong("backupMs", backupMs);
    urgentMs = json.getLong("urgentMs", urgentMs);
    memberTimeoutMs = json.getLong("memberTimeoutMs", memberTimeoutMs);
    rebalanceIntervalMs = json.getLong("rebalanceIntervalMs", rebalanceIntervalMs);
    rebalanceMargin = json.getDouble("rebalanceMargin", rebalanceMargin);
    reissue = json.getBoolean("reissue", reissue);
  }

  /**
   * @return whether another member runs the prompt of a stream again when its owner is lost before the end (the
   *     stream goes on after a {@code restart} event; the upstream is paid twice for what it had generated), rather
   *     than ending it with {@code owner_lost}
   */
  public boolean isReissue() {
    return reissue;
  }

  /** @return how often members compare their open connections; 0: never rebalance */
  public long getRebalanceIntervalMs() {
    return rebalanceIntervalMs;
  }

  /** @return how far above the cluster's mean a member's connections may be before it sheds some (0.1: 10%) */
  public double getRebalanceMargin() {
    return rebalanceMargin;
  }

  /** @return whether this gateway is a cluster member */
  public boolean isEnabled() {
    return enabled;
  }

  /** @return the cluster's name: members of other clusters on the same network are refused */
  public String getName() {
    return name;
  }

  /** @return the address Hazelcast and the event bus listen on */
  public String getHost() {
    return host;
  }

  /** @return the address other members reach this one at (empty: found by Hazelcast) */
  public String getPublicHost() {
    return publicHost;
  }

  /** @return Hazelcast's port */
  public int getPort() {
    return port;
  }

  /** @return the other members, {@code host:port}, when discovery is a TCP list */
  public List<String> getMembers() {
    return List.copyOf(members);
  }

  /** @return the headless service whose DNS names the members on Kubernetes (empty: not on Kubernetes) */
  public String getKubernetesServiceDns() {
    return kubernetesServiceDns;
  }

  /** @return the event bus port (0: any free one, announced through Hazelcast) */
  public int getEventBusPort() {
    return eventBusPort;
  }

  /** @return the longest a stream's events wait to cross the cluster together with those of its event loop */
  public long getBatchMs() {
    return batchMs;
  }

  /**
   * @return the shortest time between an event loop's previous cluster write and one that carries a first token
   *     (or an end) another member waits for: urgent events that come close together share one write
   */
  public long getUrgentMs() {
    return urgentMs;
  }

  /**
   * @return how often the events of a stream that no other member follows are backed up: what a reader who comes
   *     after the owner's loss can miss at most
   */
  public long getBackupMs() {
    return backupMs;
  }

  /** @return how long a silent member stays in the cluster */
  public long getMemberTimeoutMs() {
    return memberTimeoutMs;
  }

  /**
   * Hazelcast's configuration for the default resume window.
   *
   * @return a new configuration
   * @see #hazelcastConfig(long)
   */
  public Config hazelcastConfig() {
    return hazelcastConfig(StreamHubOptions.DEFAULT_RESUME_WINDOW_MS);
  }

  /**
   * Hazelcast's configuration: Vert.x's own (its subscription and node maps), then this member's address and
   * discovery, failure detection in seconds rather than a minute, and backups of the gateway's maps.
   *
   * @param resumeWindowMs the streams' resume window: how long backed-up events live (they are written many
   *     streams at a time, where Hazelcast takes no time to live per entry)
   * @return a new configuration
   */
  public Config hazelcastConfig(long resumeWindowMs) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(name);
    config.setProperty("hazelcast.logging.type", "jdk");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    long timeoutSeconds = Math.max(2, memberTimeoutMs / 1000);
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(timeoutSeconds));
    config.setProperty("hazelcast.heartbeat.failuredetector.type", "deadline");
    config.setProperty("hazelcast.socket.bind.any", Boolean.toString("0.0.0.0".equals(host)));
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
    if (!"0.0.0.0".equals(host)) {
      config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(host);
    }
    if (!publicHost.isEmpty()) {
      config.getNetworkConfig().setPublicAddress(publicHost + ":" + port);
    }
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (!kubernetesServiceDns.isEmpty()) {
      join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", kubernetesServiceDns);
    } else {
      join.getTcpIpConfig().setEnabled(true).setMembers(members.isEmpty() ? List.of(host + ":" + port) : members);
    }
    config.addMapConfig(new MapConfig("tokenlane.*").setBackupCount(1));
    config.addMapConfig(new MapConfig("tokenlane.events").setBackupCount(1)
      .setTimeToLiveSeconds((int) Math.max(1, Math.min(Integer.MAX_VALUE, (resumeWindowMs + 999) / 1000))));
    return config;
  }
}
