package io.tokenlane.core.auth;

import io.tokenlane.core.GatewayException;
import io.tokenlane.spi.ConfigField;
import io.tokenlane.spi.ConfigSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway's API keys. Keys are configured by their SHA-256 hash only (a key is 256 random bits, so a fast hash
 * is enough and the configuration holds no usable secret); a presented key is hashed and looked up, so checking it
 * costs one hash and no comparison that leaks timing.
 *
 * <p>Immutable and thread-safe.
 */
public final class ApiKeys {

  /** What a generated key starts with, so that secret scanners and people recognise it. */
  public static final String PREFIX = "tl_";
  /** What a principal id of a key starts with. */
  public static final String ID_PREFIX = "key:";
  /** Longest credential looked at: longer ones are refused unhashed. */
  public static final int MAX_KEY_LENGTH = 512;

  /** One configured key, under {@code auth.keys.<id>}. */
  public static final ConfigSchema KEY_SCHEMA = ConfigSchema.of(
    ConfigField.string("hash").required()
      .description("sha256:<64 hex digits> of the key (java -jar tokenlane.jar keys create prints it)"),
    ConfigField.string("owner").defaultValue("").description("who the key belongs to (a team, a service), for operators"),
    ConfigField.stringList("models").defaultValue(new JsonArray())
      .description("public models the key may use; empty: every model"),
    ConfigField.string("expiresAt").defaultValue("")
      .description("when the key stops working: an ISO-8601 instant (2027-01-31T00:00:00Z) or a date (UTC); empty: never"),
    ConfigField.object("limits").description("requestsPerMinute, burst, concurrentStreams, tokensPerMinute,"
      + " tokenBudget, budgetPeriod; absent keys take auth.defaultLimits"));

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, Principal> byHash;
  private final Map<String, Principal> byId;

  private ApiKeys(Map<String, Principal> byHash, Map<String, Principal> byId) {
    this.byHash = Map.copyOf(byHash);
    this.byId = Map.copyOf(byId);
  }

  /** @return no key */
  public static ApiKeys none() {
    return new ApiKeys(Map.of(), Map.of());
  }

  /**
   * Reads keys from configuration: an object of key ids, each a {@link #KEY_SCHEMA} object.
   *
   * @param keys the {@code keys} object, possibly {@code null}
   * @param plaintext one key given in plain (the {@code TOKENLANE_API_KEY} environment variable), id
   *     {@code default}, every model; {@code null} or empty for none
   * @param defaults limits of keys that set none
   * @param path where the keys are, for problems
   * @param problems where problems are added
   * @return the keys
   */
  public static ApiKeys fromJson(JsonObject keys, String plaintext, Limits defaults, String path,
                                 List<String> problems) {
    Map<String, Principal> byHash = new LinkedHashMap<>();
    Map<String, Principal> byId = new LinkedHashMap<>();
    if (plaintext != null && !plaintext.isEmpty()) {
      if (plaintext.length() < 16 || plaintext.length() > MAX_KEY_LENGTH) {
        problems.add("TOKENLANE_API_KEY: must be 16 to " + MAX_KEY_LENGTH + " characters (a random key: java -jar"
          + " tokenlane.jar keys create)");
      } else {
        Principal principal = new Principal(ID_PREFIX + "default", "TOKENLANE_API_KEY", java.util.Set.of(), defaults, 0);
        byHash.put(hash(plaintext), principal);
        byId.put(principal.id(), principal);
      }
    }
    if (keys != null) {
      for (String id : keys.fieldNames()) {
        String where = path + "." + id;
        if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
          problems.add(where + ": a key id is 1 to 64 letters, digits, '.', '_' or '-'");
          continue;
        }
        if (!(keys.getValue(id) instanceof JsonObject entry)) {
          problems.add(where + ": must be an object with hash, owner, models, expiresAt, limits");
          continue;
        }
        ConfigSchema.Validation validation = KEY_SCHEMA.validate(entry);
        validation.problems().forEach(problem -> problems.add(where + "." + problem));
        if (!validation.problems().isEmpty()) {
          continue;
        }
        JsonObject key = validation.config();
        String hash = key.getString("hash").trim().toLowerCase(java.util.Locale.ROOT);
        if (!hash.matches("sha256:[0-9a-f]{64}")) {
          problems.add(where + ".hash: must be sha256: and 64 hex digits (the SHA-256 of the key, never the key)");
          continue;
        }
        long expiresAt = expiry(key.getString("expiresAt"), where + ".expiresAt", problems);
        Limits limits = Limits.fromJson(key.getJsonObject("limits"), defaults, where + ".limits", problems);
        Principal principal = new Principal(ID_PREFIX + id, key.getString("owner"),
          new HashSet<>(key.getJsonArray("models").stream().map(String::valueOf).toList()), limits, expiresAt);
        if (byHash.putIfAbsent(hash, principal) != null) {
          problems.add(where + ".hash: the same key is configured twice");
        }
        byId.put(principal.id(), principal);
      }
    }
    return new ApiKeys(byHash, byId);
  }

  private static long expiry(String value, String where, List<String> problems) {
    if (value == null || value.isBlank()) {
      return 0;
    }
    try {
      return value.length() == 10 ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli()
        : Instant.parse(value).toEpochMilli();
    } catch (DateTimeParseException e) {
      problems.add(where + ": must be an ISO-8601 instant (2027-01-31T00:00:00Z) or a date (2027-01-31), got '"
        + io.tokenlane.core.ClientValues.bounded(value) + "'");
      return 0;
    }
  }

  /** @return whether no key is configured */
  public boolean isEmpty() {
    return byId.isEmpty();
  }

  /** @return how many keys are configured */
  public int size() {
    return byId.size();
  }

  /**
   * The principal of a presented key.
   *
   * @param presented the key as the client sent it
   * @param nowMs the wall clock
   * @return the principal, or {@code null} when no configured key matches
   * @throws GatewayException 401 {@code api_key_expired} for a key past its expiry
   */
  public Principal authenticate(String presented, long nowMs) {
    if (presented == null || presented.isEmpty() || presented.length() > MAX_KEY_LENGTH) {
      return null;
    }
    Principal principal = byHash.get(hash(presented));
    if (principal != null && principal.expired(nowMs)) {
      throw GatewayException.unauthorized("api_key_expired", "this API key has expired");
    }
    return principal;
  }

  /**
   * A key's principal by id, for a session the key minted.
   *
   * @param principalId {@code key:<id>}
   * @return the principal, or {@code null} when the key is no longer configured
   */
  public Principal byId(String principalId) {
    return byId.get(principalId);
  }

  /**
   * @param key a key
   * @return {@code sha256:} and the key's SHA-256 in hex, as configured
   */
  public static String hash(String key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /** @return a new random key: {@code tl_} and 256 random bits, URL-safe */
  public static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
