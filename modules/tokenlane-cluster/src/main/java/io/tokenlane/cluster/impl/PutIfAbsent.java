package io.tokenlane.cluster.impl;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code putIfAbsent} with a time to live, run on the key's partition ({@code IMap} has no asynchronous one).
 * Returns the value that was there, or {@code null} when this one was put.
 */
final class PutIfAbsent implements EntryProcessor<String, String, String> {

  private static final long serialVersionUID = 1L;
  private final String value;
  private final long ttlMs;

  PutIfAbsent(String value, long ttlMs) {
    this.value = value;
    this.ttlMs = ttlMs;
  }

  @Override
  public String process(Map.Entry<String, String> entry) {
    String existing = entry.getValue();
    if (existing != null) {
      return existing;
    }
    if (ttlMs > 0 && entry instanceof ExtendedMapEntry<String, String> extended) {
      extended.setValue(value, ttlMs, TimeUnit.MILLISECONDS);
    } else {
      entry.setValue(value);
    }
    return null;
  }
}
