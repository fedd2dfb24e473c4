package io.tokenlane.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterOptionsTest {

  @Test
  void aMemberListMeansTcpDiscoveryWithMulticastOffAndVertxMapsKept() {
    ClusterOptions options = new ClusterOptions(new JsonObject().put("enabled", true).put("host", "127.0.0.1")
      .put("port", 5801).put("members", new JsonArray().add("127.0.0.1:5801").add("127.0.0.1:5802")));
    Config config = options.hazelcastConfig();
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertFalse(join.getMulticastConfig().isEnabled());
    assertFalse(join.getKubernetesConfig().isEnabled());
    assertTrue(join.getTcpIpConfig().isEnabled());
    assertEquals(List.of("127.0.0.1:5801", "127.0.0.1:5802"), join.getTcpIpConfig().getMembers());
    assertEquals(5801, config.getNetworkConfig().getPort());
    assertFalse(config.getNetworkConfig().isPortAutoIncrement());
    assertTrue(config.getNetworkConfig().getInterfaces().getInterfaces().contains("127.0.0.1"));
    assertEquals("tokenlane", config.getClusterName());
    assertEquals(1, config.getMapConfig("tokenlane.streams").getBackupCount());
    assertTrue(config.getMultiMapConfigs().containsKey("__vertx.subs"), "Vert.x's own configuration is kept");
  }

  @Test
  void kubernetesDiscoveryUsesTheHeadlessServiceDns() {
    ClusterOptions options = new ClusterOptions(new JsonObject().put("enabled", true)
      .put("kubernetesServiceDns", "tokenlane-hazelcast.default.svc.cluster.local"));
    JoinConfig join = options.hazelcastConfig().getNetworkConfig().getJoin();
    assertTrue(join.getKubernetesConfig().isEnabled());
    assertEquals("tokenlane-hazelcast.default.svc.cluster.local", join.getKubernetesConfig().getProperty("service-dns"));
    assertFalse(join.getTcpIpConfig().isEnabled());
    assertFalse(join.getMulticastConfig().isEnabled());
  }

  @Test
  void backedUpEventsLiveForTheResumeWindowAndUrgentWritesDefaultToTwoMillis() {
    ClusterOptions options = new ClusterOptions(new JsonObject());
    assertEquals(ClusterOptions.DEFAULT_URGENT_MS, options.getUrgentMs());
    assertEquals(7, new ClusterOptions(new JsonObject().put("urgentMs", 7)).getUrgentMs());
    Config config = options.hazelcastConfig(90_500);
    assertEquals(91, config.getMapConfig("tokenlane.events").getTimeToLiveSeconds());
    assertEquals(1, config.getMapConfig("tokenlane.events").getBackupCount());
    assertEquals(0, config.getMapConfig("tokenlane.streams").getTimeToLiveSeconds());
  }

  @Test
  void aSilentMemberIsDroppedWithinTheConfiguredTimeout() {
    Config config = new ClusterOptions(new JsonObject().put("memberTimeoutMs", 3000)).hazelcastConfig();
    assertEquals("3", config.getProperty("hazelcast.max.no.heartbeat.seconds"));
    assertEquals("1", config.getProperty("hazelcast.heartbeat.interval.seconds"));
  }
}
