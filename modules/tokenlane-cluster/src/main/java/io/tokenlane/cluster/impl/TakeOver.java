package io.tokenlane.cluster.impl;

import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Moves a stream's registry entry from its lost owner to the member asking, atomically on the entry's partition: of
 * the members that try at once, one wins. Returns the entry as it is afterwards ({@code owner} says who won), or
 * {@code null} when the registry has no such stream.
 */
final class TakeOver implements EntryProcessor<String, HazelcastJsonValue, HazelcastJsonValue> {

  private static final long serialVersionUID = 1L;
  private final String lostOwner;
  private final String newOwner;
  private final long ttlMs;

  /**
   * @param lostOwner the member that left
   * @param newOwner the member asking
   * @param ttlMs how long the entry lives from now when moved (a running stream's)
   */
  TakeOver(String lostOwner, String newOwner, long ttlMs) {
    this.lostOwner = lostOwner;
    this.newOwner = newOwner;
    this.ttlMs = ttlMs;
  }

  @Override
  public HazelcastJsonValue process(Map.Entry<String, HazelcastJsonValue> entry) {
    HazelcastJsonValue value = entry.getValue();
    if (value == null) {
      return null;
    }
    JsonObject json = new JsonObject(value.getValue());
    if (!lostOwner.equals(json.getString("owner"))) {
      return value;
    }
    HazelcastJsonValue moved = new HazelcastJsonValue(json.put("owner", newOwner).encode());
    if (entry instanceof ExtendedMapEntry<String, HazelcastJsonValue> extended) {
      extended.setValue(moved, ttlMs, TimeUnit.MILLISECONDS);
    } else {
      entry.setValue(moved);
    }
    return moved;
  }
}
