package io.tokenlane.bench.target;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a clustered gateway member says about the cluster in {@code GET /readyz}: how many members it sees, and its
 * cluster operation counters since it started ({@code backupWrites}, {@code batchesSent}, {@code requests},
 * {@code registryOperations}).
 *
 * @param members members this one sees, 0 when it is not clustered (or not answering)
 * @param operations each counter by name, in the gateway's order
 */
public record MemberStatus(int members, Map<String, Long> operations) {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** The status of the member at {@code endpoint}; a member that does not answer (yet) sees no cluster. */
  public static MemberStatus read(Endpoint endpoint) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + endpoint.host() + ":" + endpoint.port()
      + "/readyz")).timeout(Duration.ofSeconds(5)).build();
    try {
      return parse(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
    } catch (IOException | RuntimeException e) {
      return new MemberStatus(0, Map.of());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  static MemberStatus parse(String body) {
    JsonObject cluster = new JsonObject(body).getJsonObject("cluster");
    if (cluster == null) {
      return new MemberStatus(0, Map.of());
    }
    Map<String, Long> operations = new LinkedHashMap<>();
    JsonObject counters = cluster.getJsonObject("operations", new JsonObject());
    counters.fieldNames().forEach(name -> operations.put(name, counters.getLong(name)));
    return new MemberStatus(cluster.getInteger("members", 0), Collections.unmodifiableMap(operations));
  }

  /** @return each counter's growth since {@code before} */
  public Map<String, Long> since(MemberStatus before) {
    Map<String, Long> growth = new LinkedHashMap<>();
    operations.forEach((name, count) -> growth.put(name, count - before.operations.getOrDefault(name, 0L)));
    return growth;
  }
}
