package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/**
 * The fuzz suite: a real gateway on loopback gets thousands of hostile requests over real sockets (a fixed seed,
 * so a failure replays): malformed JSON, invalid UTF-8, huge and negative numbers, deep nesting, random query
 * parameters and headers on every route, broken HTTP framing, and raw WebSocket frames breaking RFC 6455,
 * oversize and compressed. Meanwhile {@code /livez} is probed on its own connections and an honest client streams
 * answers. Printed and asserted: cases run, crashes (an answer due and none came, a hang, a close without a close
 * frame, a 1011), 5xx answers to client errors, {@code /livez} stalls over 1 s, and stack traces in the log: all 0.
 *
 * <p>{@code -Dtokenlane.fuzz.cases=100000} runs longer; {@code -Dtokenlane.fuzz.seed=} another seed.
 */
class FuzzTest {

  private static final int CASES = Integer.getInteger("tokenlane.fuzz.cases", 5000);
  private static final long SEED = Long.getLong("tokenlane.fuzz.seed", 20_251_010L);
  private static final long CASE_TIMEOUT_MS = 5_000;
  private static final Set<Integer> FAIL_CODES = Set.of(1002, 1007, 1009, 4400, 4401);

  private static final String YAML = """
    http:
      host: 127.0.0.1
      port: 0
      instances: 1
    transports:
      compression: true
      heartbeatMs: 60000
    streams:
      maxRunningPerSession: 100000
    providers:
      fast:
        type: mock
        config:
          tokensPerSecond: 0
          length: 20
      honest:
        type: mock
        config:
          tokensPerSecond: 100
          length: 200
    models:
      fast: { provider: fast }
      honest: { provider: honest }
    """;

  private static final byte[] OVERSIZE_BODY = spaces(2 * 1024 * 1024);
  private static final String LONG_MODEL = "m".repeat(900_000);
  /** Deflated JSON objects of 100 bytes and of 10 MB (a bomb), made once. */
  private static final byte[] SMALL_DEFLATED = RawWebSocket.deflate(jsonOfSpaces(100));
  private static final byte[] BOMB = RawWebSocket.deflate(jsonOfSpaces(10 * 1024 * 1024));

  private final Random random = new Random(SEED);
  private final Map<String, AtomicLong> nanosByCategory = new TreeMap<>();
  private final Map<String, AtomicInteger> casesByCategory = new TreeMap<>();
  private final Map<String, List<String>> failures = new ConcurrentHashMap<>();
  private final AtomicLong stackTraces = new AtomicLong();
  private final List<String> logged = Collections.synchronizedList(new ArrayList<>());
  private int port;
  private String token;
  private NativeClient sessions;
  private volatile String urlToken;
  private volatile long urlTokenAt;
  /** The close code a WebSocket case's own close frame lets the server echo, or -1. */
  private int echo = -1;
  /** The request of the HTTP case running, for the report. */
  private String lastRequest = "";

  @Test
  void thousandsOfHostileRequestsCrashNothingStallNothingAndHarmNoHonestClient() throws Exception {
    LogCapture capture = LogCapture.start(record -> {
      if (record.getThrown() != null || record.getLevel().intValue() >= Level.SEVERE.intValue()) {
        stackTraces.incrementAndGet();
        logged.add(record.getLevel() + " " + record.getLoggerName() + ": " + record.getMessage() + " "
          + record.getThrown());
      }
    });
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try (GatewayServer gateway = GatewayServer.start(vertx, YAML);
         NativeClient honestClient = new NativeClient(vertx, gateway.port())) {
      port = gateway.port();
      token = honestClient.session().getString("token");
      sessions = honestClient;
      AtomicBoolean fuzzing = new AtomicBoolean(true);
      LivezProbe livez = new LivezProbe(port, fuzzing);
      HonestClient honest = new HonestClient(honestClient, fuzzing);
      livez.start();
      honest.start();
      long started = System.nanoTime();
      int run = 0;
      try {
        for (; run < CASES; run++) {
          runCase();
        }
      } finally {
        fuzzing.set(false);
        livez.join(30_000);
        honest.join(60_000);
      }
      long seconds = (System.nanoTime() - started) / 1_000_000_000L;
      long crashes = count(f -> f.startsWith("crash"));
      long serverErrors = count(f -> f.startsWith("5xx"));
      long traces = count(f -> f.startsWith("stack trace"));
      System.out.printf("FUZZ seed %d: %d cases in %d s, crashes %d, 5xx for client errors %d, /livez stalls over 1 s"
          + " %d (of %d probes, slowest %d ms), stack traces in the log %d, honest streams %d whole of %d%n",
        SEED, run, seconds, crashes, serverErrors, livez.stalls.get(), livez.probes.get(), livez.slowestMs.get(),
        traces, honest.whole.get(), honest.started.get());
      System.out.println("FUZZ cases by category: " + casesByCategory);
      Map<String, Long> millis = new TreeMap<>();
      nanosByCategory.forEach((category, nanos) -> millis.put(category, nanos.get() / 1_000_000));
      System.out.println("FUZZ ms by category: " + millis);
      failures.forEach((category, list) -> System.out.println("FUZZ FAILURE " + category + ": " + list.size()
        + ", first: " + list.get(0)));
      logged.stream().limit(5).forEach(line -> System.out.println("FUZZ logged: " + line));

      assertEquals(CASES, run);
      assertEquals(0, crashes, "crashes");
      assertEquals(0, serverErrors, "5xx answers to client errors");
      assertEquals(0, traces, "stack traces in the log");
      assertEquals(0, livez.stalls.get(), "/livez stalls over 1 s");
      assertTrue(honest.started.get() > 0, "the honest client streamed");
      assertEquals(honest.started.get(), honest.whole.get(), "honest streams answered whole: " + honest.problems);
    } finally {
      capture.close();
      vertx.close().await(20, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  private long count(java.util.function.Predicate<String> kind) {
    return failures.values().stream().flatMap(List::stream).filter(kind).count();
  }

  // ---- one case ----

  private void runCase() throws Exception {
    int kind = random.nextInt(100);
    String category;
    List<String> problems = new ArrayList<>();
    long tracesBefore = stackTraces.get();
    long caseStart = System.nanoTime();
    if (kind < 25) {
      category = jsonBodyCase(problems);
    } else if (kind < 45) {
      category = routeCase(problems);
    } else if (kind < 55) {
      category = framingCase(problems);
    } else {
      category = webSocketCase(problems);
    }
    casesByCategory.computeIfAbsent(category, c -> new AtomicInteger()).incrementAndGet();
    nanosByCategory.computeIfAbsent(category, c -> new AtomicLong()).addAndGet(System.nanoTime() - caseStart);
    if (stackTraces.get() > tracesBefore) {
      problems.add("stack trace in the log: " + logged.get(logged.size() - 1));
    }
    for (String problem : problems) {
      problem = problem + (category.startsWith("ws/") ? "" : " [request: " + lastRequest + "]");
      failures.computeIfAbsent(category, c -> Collections.synchronizedList(new ArrayList<>())).add(problem);
    }
  }

  // ---- HTTP with JSON bodies ----

  private String jsonBodyCase(List<String> problems) {
    String[] routes = {"/v1/chat/completions", "/v1/streams", "/v1/sessions"};
    String route = routes[random.nextInt(routes.length)];
    int variant = random.nextInt(8);
    String category = "http-body/" + switch (variant) {
      case 0 -> "malformed";
      case 1 -> "invalid-utf8";
      case 2 -> "numbers";
      case 3 -> "deep-nesting";
      case 4 -> "types";
      case 5 -> "oversize";
      case 6 -> "long-model";
      default -> "valid";
    };
    byte[] body = switch (variant) {
      case 0 -> mutate(validPrompt(route).encode().getBytes(StandardCharsets.UTF_8));
      case 1 -> invalidUtf8(validPrompt(route).encode());
      case 2 -> numbers(validPrompt(route)).getBytes(StandardCharsets.UTF_8);
      case 3 -> nesting(random.nextInt(100_000) + 1);
      case 4 -> typeConfused(validPrompt(route)).getBytes(StandardCharsets.UTF_8);
      case 5 -> OVERSIZE_BODY;
      case 6 -> validPrompt(route).put("model", LONG_MODEL).encode().getBytes(StandardCharsets.UTF_8);
      default -> validPrompt(route).encode().getBytes(StandardCharsets.UTF_8);
    };
    if (variant == 5) {
      if ("/v1/sessions".equals(route)) {
        category = "http-body/sessions-oversize";
      }
    }
    if (variant == 6) {
      category = "http-echo/long-model";
    }
    String auth = "/v1/streams".equals(route) ? "Authorization: Bearer " + token + "\r\n" : "";
    FuzzWire.HttpAnswer answer = http(("POST " + route + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth
      + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
      .getBytes(StandardCharsets.ISO_8859_1), body);
    expectAnswer(answer, problems);
    if (variant == 5 && answer.answered() && answer.status() != 413) {
      problems.add("crash: a body over the limit answered " + answer.status() + " instead of 413");
    }
    if (variant == 6 && answer.text().length() > 64 * 1024) {
      problems.add("crash: a 900 KB model name echoed back (" + answer.text().length() + " bytes answered)");
    }
    return category;
  }

  private JsonObject validPrompt(String route) {
    JsonArray messages = new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"));
    JsonObject prompt = new JsonObject().put("model", "fast").put("messages", messages);
    if ("/v1/chat/completions".equals(route)) {
      prompt.put("stream", random.nextBoolean());
    }
    return prompt;
  }

  private static final String[] HOSTILE_NUMBERS = {
    "18446744073709551618", "9223372036854775808", "-9223372036854775809", "1e300", "-1e300", "1e-300", "-1", "0",
    "2147483648", "2147483647", "1.5", "3.0", "-0", "1E2", "99999999999999999999999999999999999999999999", "NaN",
    "Infinity", "0x10", "00", "\"5\"", "null", "true", "[]", "{}"};

  private String numbers(JsonObject prompt) {
    String[] fields = {"max_tokens", "max_completion_tokens", "temperature", "top_p", "n", "seed", "top_logprobs",
      "presence_penalty"};
    String field = fields[random.nextInt(fields.length)];
    String value = HOSTILE_NUMBERS[random.nextInt(HOSTILE_NUMBERS.length)];
    String json = prompt.encode();
    return json.substring(0, json.length() - 1) + ",\"" + field + "\":" + value + "}";
  }

  private String typeConfused(JsonObject prompt) {
    String[] fields = {"model", "messages", "stream", "stream_options", "requestId", "params"};
    String[] values = {"1", "\"x\"", "[]", "{}", "null", "true", "[1,2]", "{\"role\":7}", "[{\"role\":\"user\",\"content\":5}]",
      "[{\"content\":\"hi\"}]", "\"" + "\\ud800" + "\""};
    String json = prompt.encode();
    return json.substring(0, json.length() - 1) + ",\"" + fields[random.nextInt(fields.length)] + "\":"
      + values[random.nextInt(values.length)] + "}";
  }

  private byte[] mutate(byte[] bytes) {
    byte[] out = bytes.clone();
    int edits = 1 + random.nextInt(4);
    for (int i = 0; i < edits; i++) {
      int at = random.nextInt(out.length);
      switch (random.nextInt(3)) {
        case 0 -> out[at] = (byte) random.nextInt(256);
        case 1 -> out = Arrays.copyOf(out, at);
        default -> out[at] = (byte) "{}[]\",:\\".charAt(random.nextInt(8));
      }
      if (out.length == 0) {
        return out;
      }
    }
    return out;
  }

  private byte[] invalidUtf8(String json) {
    byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF4, (byte) 0x90,
      (byte) 0x80, (byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xE2, (byte) 0x82}};
    byte[] insert = bad[random.nextInt(bad.length)];
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    int at = json.indexOf("hi") >= 0 ? json.indexOf("hi") : random.nextInt(bytes.length);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(bytes, 0, at);
    out.writeBytes(insert);
    out.write(bytes, at, bytes.length - at);
    return out.toByteArray();
  }

  private static byte[] spaces(int size) {
    byte[] bytes = new byte[size];
    Arrays.fill(bytes, (byte) ' ');
    return bytes;
  }

  private static byte[] jsonOfSpaces(int size) {
    byte[] bytes = spaces(size);
    bytes[0] = '{';
    bytes[size - 1] = '}';
    return bytes;
  }

  private static byte[] nesting(int depth) {
    byte[] bytes = new byte[depth];
    Arrays.fill(bytes, (byte) '[');
    return bytes;
  }

  // ---- routes with random query parameters and headers ----

  private static final String[] ROUTES = {"GET /livez", "GET /readyz", "GET /v1/models", "POST /v1/chat/completions",
    "POST /v1/sessions", "POST /v1/streams", "GET /v1/streams/st-x/events", "GET /v1/streams/st-x/poll",
    "DELETE /v1/streams/st-x", "GET /v1/ws", "GET /nothing/here", "OPTIONS /v1/chat/completions",
    "GET /v1/chat/completions", "PUT /v1/sessions"};
  /** A URL token of the fuzzing session (they open connections for 60 s): fetched again every 30 s. */
  private String urlToken() {
    if (urlToken == null || System.currentTimeMillis() - urlTokenAt > 30_000) {
      try {
        urlToken = sessions.request(io.vertx.core.http.HttpMethod.POST, "/v1/sessions/url-token", token, null).json()
          .getString("urlToken");
        urlTokenAt = System.currentTimeMillis();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    return urlToken;
  }

  private static final String[] PARAMS = {"after", "waitMs", "max", "lastSeq", "access_token", "x", "model"};
  private static final String[] VALUES = {"", "0", "-1", "1", "18446744073709551618", "9223372036854775807", "1e3",
    "%ZZ", "%00", "%F0%9F%98%80", "\u0663", "+5", " 7", "abc", "1.0", "99999999999999999999999", "%C3%28"};
  private static final String[] HEADERS = {"Last-Event-ID", "Authorization", "x-api-key", "Content-Type", "Accept",
    "Origin", "Sec-WebSocket-Version", "Upgrade", "Accept-Encoding", "X-Forwarded-For"};

  private String routeCase(List<String> problems) {
    String route = ROUTES[random.nextInt(ROUTES.length)];
    String method = route.substring(0, route.indexOf(' '));
    String path = route.substring(route.indexOf(' ') + 1);
    if (path.contains("st-x") && random.nextBoolean()) {
      path = path.replace("st-x", VALUES[random.nextInt(VALUES.length)].replace(" ", "%20").replace("\u0663", "%D9%A3"));
    }
    StringBuilder query = new StringBuilder();
    int params = random.nextInt(5);
    for (int i = 0; i < params; i++) {
      query.append(i == 0 ? "?" : "&").append(PARAMS[random.nextInt(PARAMS.length)]).append('=')
        .append(VALUES[random.nextInt(VALUES.length)].replace(" ", "%20").replace("\u0663", "%D9%A3"));
    }
    if (random.nextInt(4) == 0) {
      query.append(query.length() == 0 ? "?" : "&").append("access_token=").append(random.nextInt(4) == 0 ? token : urlToken());
    }
    StringBuilder headers = new StringBuilder();
    int count = random.nextInt(4);
    for (int i = 0; i < count; i++) {
      String value = VALUES[random.nextInt(VALUES.length)];
      String name = HEADERS[random.nextInt(HEADERS.length)];
      headers.append(name).append(": ").append("Authorization".equals(name) && random.nextBoolean() ? "Bearer " + value
        : value.replace("\u0663", "?")).append("\r\n");
    }
    byte[] body = "POST".equals(method) || "PUT".equals(method) ? "{}".getBytes(StandardCharsets.UTF_8) : new byte[0];
    FuzzWire.HttpAnswer answer = http((method + " " + path + query + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers
      + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1), body);
    expectAnswer(answer, problems);
    return "http-route/" + method;
  }

  // ---- broken HTTP framing ----

  private String framingCase(List<String> problems) {
    int variant = random.nextInt(9);
    String prompt = validPrompt("/v1/chat/completions").encode();
    String category;
    String request;
    switch (variant) {
      case 0 -> {
        category = "http-framing/chunk-size";
        request = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZZ\r\n" + prompt + "\r\n0\r\n\r\n";
      }
      case 1 -> {
        category = "http-framing/no-host";
        request = "POST /v1/chat/completions HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: "
          + prompt.length() + "\r\nConnection: close\r\n\r\n" + prompt;
      }
      case 2 -> {
        category = "http-framing/request-line";
        String[] lines = {"GARBAGE", "GET", "GET /livez HTTP/9.9", "GET  /livez  HTTP/1.1", "\u0000\u0001 / HTTP/1.1",
          "GET /livez HTTP/1.1 extra", "G\u00e9T /livez HTTP/1.1"};
        String line = lines[random.nextInt(lines.length)];
        category = line.contains("HTTP/9.9") ? "http-framing/http-version" : category;
        request = line + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
      }
      case 3 -> {
        category = "http-framing/content-length";
        String[] lengths = {"-1", "abc", "1e3", "18446744073709551618", "5, 6"};
        request = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + lengths[random.nextInt(lengths.length)] + "\r\nConnection: close\r\n\r\n" + prompt;
      }
      case 4 -> {
        category = "http-framing/header-line";
        String[] headers = {"NoColon", ": empty-name", "Bad Name: x", "X-Long: " + "a".repeat(20_000),
          "X-Ctl: a\u0000b", " leading-space: x"};
        request = "GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers[random.nextInt(headers.length)]
          + "\r\nConnection: close\r\n\r\n";
      }
      case 5 -> {
        category = "http-framing/long-uri";
        request = "GET /v1/" + "a".repeat(10_000 + random.nextInt(10_000)) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Connection: close\r\n\r\n";
      }
      case 6 -> {
        category = "http-framing/te-and-cl";
        request = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
          + Integer.toHexString(prompt.length()) + "\r\n" + prompt + "\r\n0\r\n\r\n";
      }
      case 7 -> {
        category = "http-framing/bare-lf";
        request = "GET /livez HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n";
      }
      default -> {
        category = "http-framing/bad-upgrade";
        String[] versions = {"", "8", "99", "abc"};
        request = "GET /v1/ws?access_token=" + urlToken() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Version: " + versions[random.nextInt(versions.length)]
          + "\r\nConnection: close\r\n\r\n";
      }
    }
    FuzzWire.HttpAnswer answer = http(request.getBytes(StandardCharsets.ISO_8859_1), new byte[0]);
    expectAnswer(answer, problems);
    if (variant == 1 && answer.answered() && (answer.status() != 400 || answer.text().contains("invalid_json"))) {
      problems.add("crash: a request without Host answered " + answer.status()
        + (answer.text().contains("invalid_json") ? " invalid_json" : "") + " (a 400 about Host is due)");
    }
    return category;
  }

  // ---- raw WebSocket frames ----

  private String webSocketCase(List<String> problems) throws Exception {
    echo = -1;
    boolean compress = random.nextInt(4) == 0;
    boolean badToken = random.nextInt(20) == 0;
    try (FuzzWire wire = FuzzWire.open(port, CASE_TIMEOUT_MS)) {
      wire.send(("GET /v1/ws?access_token=" + (badToken ? "nope" : urlToken()) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        + "Sec-WebSocket-Version: 13\r\n" + (compress ? "Sec-WebSocket-Extensions: permessage-deflate\r\n" : "")
        + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      if (wire.readUpgrade() != 101) {
        problems.add("crash: no 101 to a valid upgrade");
        return "ws/upgrade";
      }
      FuzzWire.Frame ready = wire.readFrame();
      if (badToken) {
        expectClose(ready, wire, problems);
        return "ws/bad-token";
      }
      if (ready.opcode() < 0) {
        problems.add("crash: no ready frame");
        return "ws/upgrade";
      }
      int variant = random.nextInt(10);
      String category = "ws/" + switch (variant) {
        case 0 -> "header-bits";
        case 1 -> "invalid-utf8";
        case 2 -> "oversize";
        case 3 -> "compressed" + (compress ? "-negotiated" : "-not-negotiated");
        case 4 -> "fragments";
        case 5 -> "unmasked";
        case 6 -> "json-messages";
        case 7 -> "numbers";
        case 8 -> "deep-nesting";
        default -> "control-frames";
      };
      List<byte[]> frames = wsFrames(variant, compress);
      echo = -1;
      byte[] first = frames.get(0);
      if ((first[0] & 0x8f) == 0x88 && (first[1] & 0x7f) >= 2 && (first[1] & 0x7f) < 126) {
        // A close frame of the client's, masked: the server may echo its code.
        echo = (((first[6] ^ first[2]) & 0xff) << 8) | ((first[7] ^ first[3]) & 0xff);
      } else if ((first[0] & 0x8f) == 0x88 && (first[1] & 0x7f) == 0) {
        echo = 1000;
      }
      for (byte[] frame : frames) {
        if (!wire.send(frame)) {
          break;
        }
      }
      // Then a ping message: the answer (any text, or the pong frame) shows the connection alive; else a close
      // frame with an RFC or protocol code must come.
      wire.send(RawWebSocket.frame(0x81, compress ? RawWebSocket.deflate("{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8))
        : "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8), true).getBytes());
      if (compress) {
        // The ping above went uncompressed in a compressed connection: fine (RSV1 clear), same answer.
        wire.send(RawWebSocket.frame(0x81, "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8), true).getBytes());
      }
      awaitAnswerOrClose(wire, problems);
      return category;
    }
  }

  private List<byte[]> wsFrames(int variant, boolean compress) {
    byte[] ping = "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
    List<byte[]> frames = new ArrayList<>();
    switch (variant) {
      case 0 -> frames.add(frame(random.nextInt(256), ping));
      case 1 -> frames.add(frame(0x81, invalidUtf8("{\"type\":\"ping\",\"x\":\"hi\"}")));
      case 2 -> {
        int size = 65_000 + random.nextInt(200_000);
        byte[] big = jsonOfSpaces(size);
        if (random.nextBoolean()) {
          frames.add(frame(0x81, big));
        } else {
          int half = size / 2;
          frames.add(frame(0x01, Arrays.copyOfRange(big, 0, half)));
          frames.add(frame(0x80, Arrays.copyOfRange(big, half, size)));
        }
      }
      case 3 -> {
        byte[] deflated = random.nextBoolean() ? SMALL_DEFLATED : BOMB;
        frames.add(frame(0xC1, random.nextInt(4) == 0 ? mutate(deflated) : deflated));
      }
      case 4 -> {
        int opcode = random.nextInt(3);
        frames.add(frame(opcode, Arrays.copyOfRange(ping, 0, 5)));
        frames.add(frame(random.nextBoolean() ? 0x80 : random.nextInt(256), Arrays.copyOfRange(ping, 5, ping.length)));
      }
      case 5 -> frames.add(RawWebSocket.frame(0x81, ping, false).getBytes());
      case 6 -> frames.add(frame(0x81, mutate(randomMessage().getBytes(StandardCharsets.UTF_8))));
      case 7 -> frames.add(frame(0x81, randomMessage().getBytes(StandardCharsets.UTF_8)));
      case 8 -> frames.add(frame(0x81, nesting(1 + random.nextInt(60_000))));
      default -> {
        int[] controls = {0x88, 0x89, 0x8A, 0x08, 0x09};
        byte[] payload = new byte[random.nextInt(3) == 0 ? 126 + random.nextInt(10) : random.nextInt(10)];
        random.nextBytes(payload);
        frames.add(frame(controls[random.nextInt(controls.length)], payload));
      }
    }
    return frames;
  }

  private String randomMessage() {
    String[] types = {"prompt", "resume", "cancel", "ping", "nope", "", "PROMPT"};
    String type = types[random.nextInt(types.length)];
    StringBuilder json = new StringBuilder("{\"type\":\"" + type + "\"");
    if (random.nextBoolean()) {
      json.append(",\"lastSeq\":").append(HOSTILE_NUMBERS[random.nextInt(HOSTILE_NUMBERS.length)]);
    }
    if (random.nextBoolean()) {
      json.append(",\"streamId\":").append(random.nextBoolean() ? "\"st-x\"" : HOSTILE_NUMBERS[random.nextInt(HOSTILE_NUMBERS.length)]);
    }
    if ("prompt".equals(type)) {
      json.append(",\"model\":\"fast\",\"requestId\":\"r").append(random.nextInt(1000)).append('"');
      json.append(",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]");
      if (random.nextBoolean()) {
        json.append(",\"params\":{\"max_tokens\":").append(HOSTILE_NUMBERS[random.nextInt(HOSTILE_NUMBERS.length)]).append('}');
      }
    }
    return json.append('}').toString();
  }

  private static byte[] frame(int first, byte[] payload) {
    return RawWebSocket.frame(first, payload, true).getBytes();
  }

  /** After the case's frames and a ping: an answer (a text or pong frame), or a close frame with a known code. */
  private void awaitAnswerOrClose(FuzzWire wire, List<String> problems) {
    while (wire.timeLeft()) {
      FuzzWire.Frame frame = wire.readFrame();
      if (frame.opcode() == 0x1 || frame.opcode() == 0xA) {
        return;
      }
      if (frame.opcode() == 0x8 || frame.opcode() < 0) {
        expectClose(frame, wire, problems);
        return;
      }
    }
    problems.add("crash: neither an answer nor a close in " + CASE_TIMEOUT_MS + " ms");
  }

  private void expectClose(FuzzWire.Frame frame, FuzzWire wire, List<String> problems) {
    if (frame.opcode() == -2) {
      problems.add("crash: no answer and no close in time (a hang)");
    } else if (frame.opcode() != 0x8) {
      problems.add("crash: the connection closed without a close frame");
    } else if (frame.closeCode() == echo) {
      return;
    } else if (!FAIL_CODES.contains(frame.closeCode())) {
      problems.add("crash: close code " + frame.closeCode() + " " + frame.text());
    } else if (frame.payload().length <= 2) {
      problems.add("crash: close " + frame.closeCode() + " without a reason");
    }
  }

  // ---- HTTP exchange ----

  private FuzzWire.HttpAnswer http(byte[] head, byte[] body) {
    String text = new String(head, StandardCharsets.ISO_8859_1);
    lastRequest = (text.length() > 200 ? text.substring(0, 200) + "..." : text).replace("\r\n", " | ");
    try (FuzzWire wire = FuzzWire.open(port, CASE_TIMEOUT_MS)) {
      wire.send(head);
      if (body.length > 0) {
        wire.send(body);
      }
      return wire.readHttp();
    } catch (Exception e) {
      return new FuzzWire.HttpAnswer(-1, "", true, false);
    }
  }

  private static void expectAnswer(FuzzWire.HttpAnswer answer, List<String> problems) {
    if (answer.timedOut()) {
      problems.add("crash: no answer in " + CASE_TIMEOUT_MS + " ms (a hang)");
    } else if (!answer.answered()) {
      problems.add("crash: the connection closed without an answer");
    } else if (answer.status() >= 500) {
      problems.add("5xx: " + answer.text().lines().findFirst().orElse("") + " "
        + answer.text().substring(Math.max(0, answer.text().indexOf("\r\n\r\n"))).trim());
    }
  }

  // ---- alongside: /livez probes and an honest client ----

  /** Probes /livez on a new connection every 50 ms; a probe over 1 s (or failed) is a stall. */
  private static final class LivezProbe extends Thread {
    final AtomicInteger probes = new AtomicInteger();
    final AtomicInteger stalls = new AtomicInteger();
    final AtomicLong slowestMs = new AtomicLong();
    private final int port;
    private final AtomicBoolean running;

    LivezProbe(int port, AtomicBoolean running) {
      super("fuzz-livez-probe");
      this.port = port;
      this.running = running;
    }

    @Override
    public void run() {
      while (running.get()) {
        long start = System.nanoTime();
        boolean ok;
        try (FuzzWire wire = FuzzWire.open(port, 5_000)) {
          wire.send("GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          ok = wire.readHttp().status() == 200;
        } catch (Exception e) {
          ok = false;
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        slowestMs.accumulateAndGet(ms, Math::max);
        probes.incrementAndGet();
        if (!ok || ms > 1000) {
          stalls.incrementAndGet();
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /** Streams answers over a WebSocket, one after another, while the fuzzing runs; each must arrive whole. */
  private final class HonestClient extends Thread {
    final AtomicInteger started = new AtomicInteger();
    final AtomicInteger whole = new AtomicInteger();
    final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private final NativeClient client;
    private final AtomicBoolean running;

    HonestClient(NativeClient client, AtomicBoolean running) {
      super("fuzz-honest-client");
      this.client = client;
      this.running = running;
    }

    @Override
    public void run() {
      try {
        NativeClient.Ws ws = client.readyWs(token);
        for (int i = 0; running.get() || i == 0; i++) {
          started.incrementAndGet();
          String id = ws.prompt(NativeClient.prompt("honest", "tell me everything"), "honest-" + i);
          List<JsonObject> events = ws.awaitEnd(id);
          NativeClient.assertWholeStream(events);
          JsonObject end = events.get(events.size() - 1);
          if ("stop".equals(end.getString("reason")) && NativeClient.text(events).length() > 0) {
            whole.incrementAndGet();
          } else {
            problems.add(end.encode());
          }
        }
        ws.socket().close();
      } catch (Throwable e) {
        problems.add(String.valueOf(e));
      }
    }
  }
}
