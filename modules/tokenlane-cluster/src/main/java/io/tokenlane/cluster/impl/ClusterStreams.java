package io.tokenlane.cluster.impl;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.IMap;
import com.hazelcast.partition.PartitionService;
import io.netty.channel.EventLoop;
import io.tokenlane.cluster.ClusterOptions;
import io.tokenlane.cluster.HazelcastDirectory;
import io.tokenlane.core.session.SessionTokens;
import io.tokenlane.core.stream.StreamEvent;
import io.tokenlane.core.stream.StreamHubOptions;
import io.tokenlane.core.auth.Limits;
import io.tokenlane.core.auth.QuotaState;
import io.tokenlane.core.auth.QuotaStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The cluster's directory. Hazelcast maps ({@code tokenlane.*}, one backup each):
 * <ul>
 *   <li>{@code tokenlane.streams}: stream id -> {@code {owner, sessionId, requestId}}, while the stream runs and
 *       for the resume window after its end;</li>
 *   <li>{@code tokenlane.requests}: session + request id -> stream id, claimed with {@code putIfAbsent};</li>
 *   <li>{@code tokenlane.running}: session -> its running streams and their owners, changed by entry processors;</li>
 *   <li>{@code tokenlane.events}: stream id + batch number -> a batch of the stream's events, the backup that
 *       serves its followers when the owner is lost. Written by each event loop's {@link Journal}, the batches of
 *       all of its streams in one {@code putAll} per interval; they live for the resume window (the map's
 *       time to live);</li>
 *   <li>{@code tokenlane.cluster}: the shared session-token secret;</li>
 *   <li>{@code tokenlane.load}: each member's open connections, for rebalancing.</li>
 * </ul>
 * Each member has one event-bus address, {@code tokenlane.member.<id>}: other members send it follow, unfollow
 * and cancel requests for the streams it owns, and batches of events for the mirrors it holds: one message per
 * owner's event loop and backup write, with a batch for each of this member's mirrors of that loop's streams.
 */
public final class ClusterStreams implements HazelcastDirectory {

  static final String ADDRESS_PREFIX = "tokenlane.member.";
  static final String OP = "op";
  private static final DeliveryOptions BATCHES = new DeliveryOptions().addHeader(OP, "batches");
  private static final String NODE_ID_ATTRIBUTE = "__vertx.nodeId";
  private static final int TAG_LENGTH = 8;
  private static final long RUNNING_TTL_HOURS = 24;
  private static final System.Logger LOG = System.getLogger(ClusterStreams.class.getName());

  final Vertx vertx;
  final ClusterOptions options;
  final String memberId;
  private final HazelcastInstance hazelcast;
  private final long resumeWindowMs;
  final boolean acrossSessions;
  private final IMap<String, QuotaState> quotaStates;
  private final QuotaStore quotas = new Quotas();
  private final IMap<String, HazelcastJsonValue> registry;
  private final IMap<String, String> requests;
  private final IMap<String, HashMap<String, String>> running;
  final IMap<String, byte[]> events;
  private final IMap<String, String> shared;
  private final IMap<String, Integer> loads;
  /** Member id -> its streams in flight per routing target ({@code model#index}), for least-busy routing. */
  private final IMap<String, HashMap<String, Integer>> routeLoads;
  private volatile Map<String, Integer> lastLoads = Map.of();
  private final Map<String, Location> owned = new ConcurrentHashMap<>();
  private final Map<String, Replication> replications = new ConcurrentHashMap<>();
  /** Streams taken over here: the number of batches their lost owner had backed up. */
  private final Map<String, Long> continuedBackups = new ConcurrentHashMap<>();
  /** One journal per event loop that owns streams, keyed by that loop. */
  private final Map<EventLoop, Journal> journals = new ConcurrentHashMap<>();
  private final Journal.Outlet outlet = new Outlet();
  final Map<String, MirrorLink> links = new ConcurrentHashMap<>();
  private final OwnerSide ownerSide;
  // Cluster operations this member started, for the status and the benchmark: per token they should stay well
  // under one (batches, not events, cross the cluster).
  private final AtomicLong backupWrites = new AtomicLong();
  final AtomicLong batchesSent = new AtomicLong();
  final AtomicLong eventBusRequests = new AtomicLong();
  private final AtomicLong mapOperations = new AtomicLong();
  private MessageConsumer<Object> consumer;
  private UUID membershipListener;
  private final Safety safety;

  private ClusterStreams(Vertx vertx, HazelcastClusterManager clusterManager, ClusterOptions options,
                         StreamHubOptions streams) {
    this.vertx = vertx;
    this.options = options;
    this.memberId = clusterManager.getNodeId();
    this.hazelcast = clusterManager.getHazelcastInstance();
    this.resumeWindowMs = streams.getResumeWindowMs();
    this.acrossSessions = streams.isAcrossSessions();
    this.quotaStates = hazelcast.getMap("tokenlane.quotas");
    this.registry = hazelcast.getMap("tokenlane.streams");
    this.requests = hazelcast.getMap("tokenlane.requests");
    this.running = hazelcast.getMap("tokenlane.running");
    this.events = hazelcast.getMap("tokenlane.events");
    this.shared = hazelcast.getMap("tokenlane.cluster");
    this.loads = hazelcast.getMap("tokenlane.load");
    this.routeLoads = hazelcast.getMap("tokenlane.route-load");
    this.ownerSide = new OwnerSide(this);
    this.safety = new Safety(vertx, hazelcast.getPartitionService());
  }

  /**
   * Starts the directory: registers this member's address and watches members leave.
   *
   * @return the directory
   */
  public static Future<ClusterStreams> start(Vertx vertx, HazelcastClusterManager clusterManager,
                                             ClusterOptions options, StreamHubOptions streams) {
    ClusterStreams directory = new ClusterStreams(vertx, clusterManager, options, streams);
    directory.consumer = vertx.eventBus().consumer(address(directory.memberId), directory::received);
    directory.membershipListener = directory.hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        directory.safety.changed();
        LOG.log(System.Logger.Level.INFO, "cluster member joined: " + event.getMember() + "; "
          + event.getMembers().size() + " members");
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        directory.safety.changed();
        LOG.log(System.Logger.Level.WARNING, "cluster member left: " + event.getMember() + "; "
          + event.getMembers().size() + " members");
        String lost = nodeId(event.getMember());
        if (lost != null) {
          directory.memberLost(lost);
        }
        if (event.getMembers().size() == 1) {
          LOG.log(System.Logger.Level.WARNING, "this member is now alone in the cluster");
        }
      }
    });
    directory.safety.changed();
    return directory.consumer.completion().map(directory).onSuccess(ClusterStreams::reportAlone);
  }

  /** A member that found none of the others says so: a wrong member list or a firewall looks just like this. */
  private void reportAlone() {
    int size = hazelcast.getCluster().getMembers().size();
    String self = options.getHost() + ":" + options.getPort();
    boolean othersNamed = options.getMembers().stream().anyMatch(member -> !member.equals(self))
      || !options.getKubernetesServiceDns().isEmpty();
    if (size == 1 && othersNamed) {
      LOG.log(System.Logger.Level.WARNING, "this member is alone in cluster '" + options.getName() + "': none of "
        + (options.getKubernetesServiceDns().isEmpty() ? options.getMembers() : options.getKubernetesServiceDns())
        + " answered on Hazelcast's port; it serves its own streams until they join");
    } else {
      LOG.log(System.Logger.Level.INFO, "joined cluster '" + options.getName() + "' as member " + memberId + ", "
        + size + " members");
    }
  }

  static String address(String memberId) {
    return ADDRESS_PREFIX + memberId;
  }

  @Override
  public String memberId() {
    return memberId;
  }

  @Override
  public boolean clustered() {
    return true;
  }

  /**
   * A stream id ends with its owner's tag, so that any member reaches the owner without a registry lookup:
   * {@code st-<random>.<tag>}, the tag being the first 8 hex digits of the owner's node id.
   */
  @Override
  public String newStreamId() {
    return SessionTokens.randomId("st-") + '.' + tag(memberId);
  }

  @Override
  public String ownerOf(String streamId) {
    int dot = streamId.lastIndexOf('.');
    if (dot < 0 || streamId.length() - dot - 1 != TAG_LENGTH) {
      return null;
    }
    String tag = streamId.substring(dot + 1);
    String found = null;
    for (String member : members()) {
      if (tag(member).equals(tag)) {
        if (found != null) {
          return null; // two members share the tag: the registry decides
        }
        found = member;
      }
    }
    return found;
  }

  private static String tag(String memberId) {
    String hex = memberId.replace("-", "");
    return hex.length() >= TAG_LENGTH ? hex.substring(0, TAG_LENGTH) : hex;
  }

  /** @return the Vert.x node ids of the members, the ids streams are owned by */
  Set<String> members() {
    Set<String> members = new HashSet<>();
    for (Member member : hazelcast.getCluster().getMembers()) {
      String nodeId = nodeId(member);
      if (nodeId != null) {
        members.add(nodeId);
      }
    }
    return members;
  }

  /** Vert.x names a member by a node id of its own, kept as a Hazelcast member attribute. */
  private static String nodeId(Member member) {
    return member.getAttribute(NODE_ID_ATTRIBUTE);
  }

  @Override
  public JsonObject status() {
    JsonObject connections = new JsonObject();
    lastLoads.forEach(connections::put);
    int members = hazelcast.getCluster().getMembers().size();
    JsonObject status = new JsonObject().put("memberId", memberId).put("members", members)
      .put("safe", safety.safe());
    if (options.getKubernetesServiceDns().isEmpty() && !options.getMembers().isEmpty()) {
      // Fewer members seen than named: some cannot be reached (a member that cannot join, or a split).
      int named = new HashSet<>(options.getMembers()).size();
      status.put("named", named).put("partial", members < named);
    }
    return status.put("connections", connections)
      .put("operations", new JsonObject().put("backupWrites", backupWrites.get())
        .put("batchesSent", batchesSent.get()).put("requests", eventBusRequests.get())
        .put("registryOperations", mapOperations.get()));
  }

  @Override
  public Future<Map<String, Integer>> shareLoad(int connections, long ttlMs) {
    Context context = vertx.getOrCreateContext();
    return on(context, loads.setAsync(memberId, connections, ttlMs, TimeUnit.MILLISECONDS))
      .compose(v -> vertx.executeBlocking(() -> loads.getAll(members()), false))
      .map(all -> {
        lastLoads = Map.copyOf(all);
        return lastLoads;
      });
  }

  @Override
  public Future<Map<String, Integer>> shareRouteLoad(Map<String, Integer> mine, long ttlMs) {
    Context context = vertx.getOrCreateContext();
    return on(context, routeLoads.setAsync(memberId, new HashMap<>(mine), ttlMs, TimeUnit.MILLISECONDS))
      .compose(v -> vertx.executeBlocking(() -> {
        Set<String> others = members();
        others.remove(memberId);
        return routeLoads.getAll(others);
      }, false))
      .map(all -> {
        Map<String, Integer> sums = new HashMap<>();
        all.values().forEach(counts -> counts.forEach((key, count) -> sums.merge(key, count, Integer::sum)));
        return sums;
      });
  }

  /**
   * Runs a callback on the thread that completes a Hazelcast future. Not Hazelcast's default: that is the common
   * fork-join pool, and on a machine of two cores or fewer (common pool parallelism 1) a new thread per callback.
   * Every callback here only hands over to an event loop.
   */
  static final Executor DIRECT = Runnable::run;

  /** A Hazelcast completion on the caller's context, where the hub continues. */
  static <T> Future<T> on(Context context, CompletionStage<T> stage) {
    Promise<T> promise = Promise.promise();
    stage.whenCompleteAsync((value, failure) -> context.runOnContext(v -> {
      if (failure != null) {
        promise.fail(failure);
      } else {
        promise.complete(value);
      }
    }), DIRECT);
    return promise.future();
  }

  static Context context() {
    return Vertx.currentContext();
  }

  @Override
  public Future<byte[]> sharedSecret(byte[] generated) {
    String offered = Base64.getEncoder().encodeToString(generated);
    return on(vertx.getOrCreateContext(), shared.submitToKey("sessionSecret", new PutIfAbsent(offered, 0)))
      .map(existing -> Base64.getDecoder().decode(existing == null ? offered : existing));
  }

  // Request ids and session slots.

  private static String requestKey(String sessionId, String requestId) {
    return sessionId + '\n' + requestId;
  }

  @Override
  public Future<String> claim(String sessionId, String requestId, String streamId) {
    mapOperations.incrementAndGet();
    return on(context(), requests.submitToKey(requestKey(sessionId, requestId),
      new PutIfAbsent(streamId, TimeUnit.HOURS.toMillis(RUNNING_TTL_HOURS)))).map(existing -> existing == null ? streamId : existing);
  }

  @Override
  public void unclaim(String sessionId, String requestId, String streamId) {
    mapOperations.incrementAndGet();
    requests.removeAsync(requestKey(sessionId, requestId));
  }

  @Override
  public QuotaStore quotas() {
    return quotas;
  }

  /**
   * Per-principal quotas in {@code tokenlane.quotas}: each admission and settlement is an entry processor on the
   * partition that owns the principal, so that counts hold across members without locks.
   */
  private final class Quotas implements QuotaStore {
    @Override
    public Future<QuotaState.Verdict> admit(String principalId, Limits limits, long estimate) {
      mapOperations.incrementAndGet();
      return on(context(), quotaStates.submitToKey(principalId, new QuotaProcessors.Admit(limits, estimate)));
    }

    @Override
    public void settle(String principalId, Limits limits, long delta) {
      mapOperations.incrementAndGet();
      quotaStates.submitToKey(principalId, new QuotaProcessors.Settle(limits, delta));
    }
  }

  @Override
  public Future<Boolean> reserve(String sessionId, String streamId, int max) {
    mapOperations.incrementAndGet();
    return on(context(), running.submitToKey(sessionId, new SessionSlots.Reserve(streamId, memberId, max, members())));
  }

  @Override
  public void release(String sessionId, String streamId) {
    mapOperations.incrementAndGet();
    running.submitToKey(sessionId, new SessionSlots.Release(streamId));
  }

  // The registry.

  private static HazelcastJsonValue json(Location location) {
    JsonObject json = new JsonObject().put("owner", location.owner()).put("sessionId", location.sessionId());
    if (location.requestId() != null) {
      json.put("requestId", location.requestId());
    }
    return new HazelcastJsonValue(json.encode());
  }

  @Override
  public Future<Void> register(Location location) {
    return register(location, null);
  }

  @Override
  public Future<Void> register(Location location, JsonObject prompt) {
    mapOperations.incrementAndGet();
    owned.put(location.streamId(), location);
    HazelcastJsonValue value = prompt == null ? json(location)
      : new HazelcastJsonValue(new JsonObject(json(location).getValue()).put("prompt", prompt).encode());
    return on(context(), registry.setAsync(location.streamId(), value, RUNNING_TTL_HOURS, TimeUnit.HOURS));
  }

  @Override
  public boolean reissues() {
    return options.isReissue();
  }

  /**
   * Takes over a stream whose owner was lost, if no other member did first.
   *
   * @param location the stream, as this member knew it (its lost owner)
   * @return the prompt to run again when this member won; else {@code null} (another member won, or the stream is
   *     not in the registry); the registry's owner after the attempt is in {@code owner}
   */
  Future<JsonObject> takeOver(Location location) {
    mapOperations.incrementAndGet();
    return on(context(), registry.submitToKey(location.streamId(),
        new TakeOver(location.owner(), memberId, TimeUnit.HOURS.toMillis(RUNNING_TTL_HOURS))))
      .map(value -> {
        if (value == null) {
          return null;
        }
        JsonObject json = new JsonObject(value.getValue());
        if (memberId.equals(json.getString("owner"))) {
          owned.put(location.streamId(), new Location(location.streamId(), json.getString("sessionId"),
            json.getString("requestId"), memberId));
        }
        return json;
      });
  }

  @Override
  public void ended(String streamId) {
    mapOperations.incrementAndGet();
    Location location = owned.get(streamId);
    if (location != null) {
      // Findable, and its request id held, for the resume window from now on.
      registry.setAsync(streamId, json(location), resumeWindowMs, TimeUnit.MILLISECONDS);
      if (location.requestId() != null) {
        requests.setAsync(requestKey(location.sessionId(), location.requestId()), streamId, resumeWindowMs,
          TimeUnit.MILLISECONDS);
      }
    }
  }

  @Override
  public void forgotten(String streamId) {
    mapOperations.incrementAndGet();
    replications.remove(streamId);
    Location location = owned.remove(streamId);
    if (location != null) {
      registry.removeAsync(streamId);
    }
  }

  @Override
  public Future<Location> locate(String streamId) {
    mapOperations.incrementAndGet();
    return on(context(), registry.getAsync(streamId)).map(value -> {
      if (value == null) {
        return null;
      }
      JsonObject json = new JsonObject(value.getValue());
      return new Location(streamId, json.getString("sessionId"), json.getString("requestId"), json.getString("owner"));
    });
  }

  // Streams across members.

  @Override
  public RemoteStream remote(Location location) {
    return new MirrorLink(this, location);
  }

  @Override
  public Consumer<StreamEvent> replicator(String streamId) {
    Long continued = continuedBackups.remove(streamId);
    Replication replication = new Replication(streamId, journal(), continued == null ? 0 : continued);
    replications.put(streamId, replication);
    return replication;
  }

  /** The journal of the calling event loop, made on first use with a context of its own on that loop. */
  Journal journal() {
    EventLoop loop = ((ContextInternal) vertx.getOrCreateContext()).nettyEventLoop();
    return journals.computeIfAbsent(loop, key -> new Journal(((VertxInternal) vertx).contextBuilder()
      .withEventLoop(key).build(), options.getBatchMs(), options.getBackupMs(), options.getUrgentMs(), outlet));
  }

  /** The journals' writes to {@code tokenlane.events} and messages to other members. */
  private final class Outlet implements Journal.Outlet {
    @Override
    public CompletionStage<Void> write(Map<String, byte[]> batches) {
      // Hazelcast sends a putAll to each member that owns some of the keys: that is the count of writes.
      PartitionService partitions = hazelcast.getPartitionService();
      Set<UUID> owners = new HashSet<>();
      for (String key : batches.keySet()) {
        Member owner = partitions.getPartition(key).getOwner();
        owners.add(owner == null ? null : owner.getUuid()); // a partition migrating counts as one more member
      }
      backupWrites.addAndGet(owners.size());
      return events.putAllAsync(batches);
    }

    @Override
    public void send(String member, Buffer message) {
      batchesSent.incrementAndGet();
      vertx.eventBus().send(address(member), message, BATCHES);
    }
  }

  /** The replication of a stream owned here, or {@code null}. */
  Replication replication(String streamId) {
    return replications.get(streamId);
  }

  static String backupKey(String streamId, long batch) {
    return streamId + '#' + batch;
  }

  /**
   * What the backup holds of a stream whose owner is gone.
   *
   * @param events its events, in order
   * @param batches how many batches held them: a member that takes the stream over writes its own after these
   */
  record Backup(List<StreamEvent> events, long batches) {
  }

  /**
   * The backed-up events of a stream whose owner is gone, read batch by batch until the first missing one.
   *
   * @param streamId the stream
   * @return its events, in order, and the number of batches
   */
  Future<Backup> backup(String streamId) {
    return vertx.executeBlocking(() -> {
      List<StreamEvent> found = new ArrayList<>();
      for (long first = 0; ; first += 32) {
        Set<String> keys = new HashSet<>();
        for (long batch = first; batch < first + 32; batch++) {
          keys.add(backupKey(streamId, batch));
        }
        Map<String, byte[]> batches = events.getAll(keys);
        for (long batch = first; batch < first + 32; batch++) {
          byte[] bytes = batches.get(backupKey(streamId, batch));
          if (bytes == null) {
            return new Backup(found, batch);
          }
          found.addAll(EventBatch.decode(Buffer.buffer(bytes)));
        }
      }
    }, false);
  }

  /**
   * This member took a stream over: its backup goes on after the lost owner's batches instead of overwriting them,
   * so that a member that takes it over next finds both generations.
   *
   * @param streamId the stream
   * @param batches how many batches the lost owner had written
   */
  void continueBackup(String streamId, long batches) {
    continuedBackups.put(streamId, batches);
  }

  @Override
  public void serve(OwnedStreams streams) {
    ownerSide.serve(streams);
  }

  /** A member left: the mirrors of its streams end with what it backed up, and what it followed here stops. */
  private void memberLost(String member) {
    ownerSide.memberLost(member);
    for (MirrorLink link : links.values()) {
      if (link.owner().equals(member)) {
        link.ownerLost();
      }
    }
  }

  private void received(Message<Object> message) {
    String op = message.headers().get(OP);
    if ("batches".equals(op)) {
      if (message.body() instanceof Buffer batches) {
        delivered(batches);
      }
    } else if (message.body() instanceof JsonObject request) {
      ownerSide.handle(op, request, message);
    } else {
      message.fail(400, "unknown request");
    }
  }

  /** Each batch of a message to its mirror; a mirror closed meanwhile is skipped. */
  private void delivered(Buffer batches) {
    try {
      MirrorBatches.forEach(batches, (sub, batch) -> {
        MirrorLink link = links.get(sub);
        if (link != null) {
          link.delivered(batch);
        }
      });
    } catch (IllegalArgumentException e) {
      LOG.log(System.Logger.Level.WARNING, "a message of event batches was refused: " + e.getMessage());
    }
  }

  DeliveryOptions delivery(String op) {
    eventBusRequests.incrementAndGet();
    return new DeliveryOptions().addHeader(OP, op).setSendTimeout(5_000);
  }

  @Override
  public Future<Void> close() {
    // The last events (streams' ends among them) go to the backup now, whatever their pace: wait for them, a little.
    List<Future<Void>> drained = new ArrayList<>();
    journals.values().forEach(journal -> drained.add(journal.drain()));
    return Future.join(drained).<Void>mapEmpty().timeout(2, TimeUnit.SECONDS).otherwiseEmpty()
      .andThen(v -> stop());
  }

  private void stop() {
    safety.close();
    if (consumer != null) {
      consumer.unregister();
    }
    if (membershipListener != null) {
      try {
        hazelcast.getCluster().removeMembershipListener(membershipListener);
      } catch (RuntimeException e) {
        // Hazelcast is already shutting down.
      }
    }
    links.values().forEach(MirrorLink::close);
  }
}
