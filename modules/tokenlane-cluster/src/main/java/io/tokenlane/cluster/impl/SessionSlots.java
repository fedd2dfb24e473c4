package io.tokenlane.cluster.impl;

import com.hazelcast.map.EntryProcessor;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The running streams of one session across members ({@code stream id -> owner member}), changed only by entry
 * processors on the key's partition, so that two members reserving at once cannot both take the last slot.
 */
final class SessionSlots {

  private SessionSlots() {
  }

  /** Takes a slot if one is free, first dropping the streams of members that left (they will never release). */
  static final class Reserve implements EntryProcessor<String, HashMap<String, String>, Boolean> {
    private static final long serialVersionUID = 1L;
    private final String streamId;
    private final String owner;
    private final int max;
    private final Set<String> members;

    Reserve(String streamId, String owner, int max, Set<String> members) {
      this.streamId = streamId;
      this.owner = owner;
      this.max = max;
      this.members = members;
    }

    @Override
    public Boolean process(Map.Entry<String, HashMap<String, String>> entry) {
      HashMap<String, String> running = entry.getValue() == null ? new HashMap<>() : entry.getValue();
      running.values().removeIf(member -> !members.contains(member));
      if (running.size() >= max) {
        entry.setValue(running.isEmpty() ? null : running);
        return false;
      }
      running.put(streamId, owner);
      entry.setValue(running);
      return true;
    }
  }

  /** Frees a stream's slot. */
  static final class Release implements EntryProcessor<String, HashMap<String, String>, Void> {
    private static final long serialVersionUID = 1L;
    private final String streamId;

    Release(String streamId) {
      this.streamId = streamId;
    }

    @Override
    public Void process(Map.Entry<String, HashMap<String, String>> entry) {
      HashMap<String, String> running = entry.getValue();
      if (running != null && running.remove(streamId) != null) {
        entry.setValue(running.isEmpty() ? null : running);
      }
      return null;
    }
  }
}
