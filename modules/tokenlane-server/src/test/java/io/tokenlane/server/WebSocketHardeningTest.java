package io.tokenlane.server;

import static io.tokenlane.server.NativeClient.await;
import static io.tokenlane.server.NativeClient.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenlane.testkit.openai.Script;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/**
 * WebSocket frames that break RFC 6455 or the gateway's limits, sent as raw bytes: each closes the connection with
 * the RFC's code and a reason (1002 protocol, 1007 invalid UTF-8, 1009 too big), compression is refused unless
 * configured and bounded when it is, and a resume cursor past 2^63 is an error, never a replay.
 */
class WebSocketHardeningTest extends NativeTestBase {

  private static final String OFFER = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
  private static final int MAX = 65536;

  @Override
  protected String yaml() {
    return yaml(false);
  }

  /** One HTTP server instance, so that /livez shares the event loop of every WebSocket under attack. */
  private static String yaml(boolean compression) {
    return """
      http:
        host: 127.0.0.1
        port: 0
        instances: 1
      transports:
        compression: %s
      providers:
        fake:
          type: openai
          config:
            baseUrl: ${UPSTREAM}
      models:
        fake: { provider: fake, model: gpt-4o-mini }
      """.formatted(compression);
  }

  private RawWebSocket open(NativeGateway on, String headers) throws Exception {
    RawWebSocket ws = RawWebSocket.connect(on.vertx, on.port(), on.token, 0, headers);
    await("ready", () -> ws.messages().stream().anyMatch(m -> "ready".equals(m.getString("type"))));
    return ws;
  }

  private RawWebSocket open() throws Exception {
    return open("");
  }

  private RawWebSocket open(String headers) throws Exception {
    RawWebSocket ws = RawWebSocket.connect(vertx, gateway.port(), token, 0, headers);
    await("ready", () -> ws.messages().stream().anyMatch(m -> "ready".equals(m.getString("type"))));
    return ws;
  }

  /** Waits for the server's close frame and then for it to close the TCP connection; returns the frame. */
  private static RawWebSocket.Frame awaitClosed(RawWebSocket ws) {
    await("a close frame", () -> ws.closeFrame() != null);
    await("the TCP close", ws::closed);
    return ws.closeFrame();
  }

  private static void assertClosedWith(int code, String reasonPart, RawWebSocket ws) {
    RawWebSocket.Frame close = awaitClosed(ws);
    assertEquals(code, close.closeCode(), "close code, reason: " + close.closeReason());
    assertTrue(close.closeReason().contains(reasonPart), close.closeReason());
  }

  private static String ping() {
    return new JsonObject().put("type", "ping").encode();
  }

  // ---- compression ----

  @Test
  void compressionIsOffByDefaultAndACompressedFrameIsAProtocolError() throws Exception {
    RawWebSocket ws = open(OFFER);
    assertFalse(ws.upgradeAnswer().toLowerCase().contains("sec-websocket-extensions"), ws.upgradeAnswer());
    ws.sendFrame(0xC1, RawWebSocket.deflate(ping().getBytes(StandardCharsets.UTF_8)));
    assertClosedWith(1002, "RSV", ws);
  }

  @Test
  void aCompressionBombWithCompressionOffClosesAtOnceAndLivezStaysQuick() throws Exception {
    byte[] bomb = bomb();
    long slowest = whileProbingLivez(gateway, () -> {
      for (int i = 0; i < 5; i++) {
        RawWebSocket ws = open(OFFER);
        ws.sendFrame(0xC1, bomb);
        assertEquals(1002, awaitClosed(ws).closeCode());
      }
    });
    assertTrue(slowest < 1000, "slowest /livez during the attack: " + slowest + " ms");
  }

  @Test
  void withCompressionOnMessagesInflateAndABombClosesWith1009WithoutStallingTheLoop() throws Exception {
    try (NativeGateway compressed = NativeGateway.start(yaml(true))) {
      RawWebSocket ws = open(compressed, OFFER);
      assertTrue(ws.upgradeAnswer().toLowerCase().contains("sec-websocket-extensions: permessage-deflate"),
        ws.upgradeAnswer());
      ws.sendFrame(0xC1, RawWebSocket.deflate(ping().getBytes(StandardCharsets.UTF_8)));
      await("the compressed ping's pong", () -> ws.messages().stream().anyMatch(m -> "pong".equals(m.getString("type"))));
      assertTrue(ws.frames().stream().anyMatch(RawWebSocket.Frame::compressed), "the server compresses too");
      assertEquals(-1, ws.closeCode());
      ws.socket.close();

      byte[] bomb = bomb();
      long slowest = whileProbingLivez(compressed.gateway, () -> {
        for (int i = 0; i < 5; i++) {
          RawWebSocket victim = open(compressed, OFFER);
          victim.sendFrame(0xC1, bomb);
          assertClosedWith(1009, "larger than " + MAX, victim);
        }
      });
      assertTrue(slowest < 1000, "slowest /livez during the attack: " + slowest + " ms");
    }
  }

  @Test
  void withCompressionOnAMessageInflatingPastTheLimitOverSeveralFramesIs1009() throws Exception {
    try (NativeGateway compressed = NativeGateway.start(yaml(true))) {
      RawWebSocket ws = open(compressed, OFFER);
      // One message of 40,000 spaces per fragment: the message's compressed bytes cut in three frames.
      Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
      byte[] piece = new byte[40_000];
      Arrays.fill(piece, (byte) ' ');
      byte[] first = RawWebSocket.flush(deflater, piece);
      byte[] rest = RawWebSocket.deflate(deflater, piece);
      ws.sendFrame(0x41, first);
      ws.sendFrame(0x00, Arrays.copyOfRange(rest, 0, rest.length / 2));
      ws.sendFrame(0x80, Arrays.copyOfRange(rest, rest.length / 2, rest.length));
      assertClosedWith(1009, "larger than " + MAX, ws);
    }
  }

  // ---- UTF-8, reserved bits, oversize, protocol violations ----

  @Test
  void invalidUtf8InATextFrameIs1007() throws Exception {
    RawWebSocket ws = open();
    ws.sendFrame(0x81, new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});
    assertClosedWith(1007, "UTF-8", ws);
  }

  @Test
  void aCharacterSplitAcrossFragmentsIsValidButATruncatedOneIs1007() throws Exception {
    RawWebSocket ws = open();
    byte[] message = new JsonObject().put("type", "ping").put("note", "é").encode().getBytes(StandardCharsets.UTF_8);
    int split = indexOf(message, (byte) 0xC3) + 1;
    ws.sendFrame(0x01, Arrays.copyOfRange(message, 0, split));
    ws.sendFrame(0x80, Arrays.copyOfRange(message, split, message.length));
    await("pong", () -> ws.messages().stream().anyMatch(m -> "pong".equals(m.getString("type"))));

    ws.sendFrame(0x81, Arrays.copyOfRange(message, 0, split));
    assertClosedWith(1007, "UTF-8", ws);
  }

  @Test
  void reservedBitsWithoutAnExtensionAre1002() throws Exception {
    for (int rsv : new int[] {0x40, 0x20, 0x10}) {
      RawWebSocket ws = open();
      ws.sendFrame(0x81 | rsv, ping().getBytes(StandardCharsets.UTF_8));
      assertEquals(1002, awaitClosed(ws).closeCode(), "RSV bit " + rsv);
    }
  }

  @Test
  void everyOversizeMessageGetsA1009CloseFrameWithAReason() throws Exception {
    // One frame just over the message limit (within the frame limit), one over the frame limit, and a message
    // over the limit in fragments under it.
    RawWebSocket single = open();
    single.sendFrame(0x81, jsonOfSize(MAX + 1));
    assertClosedWith(1009, "larger than " + MAX, single);

    RawWebSocket huge = open();
    huge.sendFrame(0x81, jsonOfSize(3 * MAX));
    assertClosedWith(1009, "larger than " + MAX, huge);

    RawWebSocket fragmented = open();
    byte[] half = new byte[MAX / 2 + 10];
    Arrays.fill(half, (byte) ' ');
    fragmented.sendFrame(0x01, half);
    fragmented.sendFrame(0x00, half);
    assertClosedWith(1009, "larger than " + MAX, fragmented);
  }

  @Test
  void protocolViolationsAre1002() throws Exception {
    byte[] ping = ping().getBytes(StandardCharsets.UTF_8);
    List<java.util.function.Consumer<RawWebSocket>> violations = List.of(
      ws -> ws.sendUnmasked(0x81, ping),
      ws -> ws.sendFrame(0x09, new byte[] {1}),
      ws -> ws.sendFrame(0x80, ping),
      ws -> ws.sendFrame(0x83, ping),
      ws -> ws.sendFrame(0x8B, new byte[0]),
      ws -> {
        ws.sendFrame(0x01, new byte[] {'{'});
        ws.sendFrame(0x81, ping);
      },
      ws -> ws.sendFrame(0x89, new byte[126]));
    for (int i = 0; i < violations.size(); i++) {
      RawWebSocket ws = open();
      violations.get(i).accept(ws);
      RawWebSocket.Frame close = awaitClosed(ws);
      assertEquals(1002, close.closeCode(), "violation " + i + ": " + close.closeReason());
    }
  }

  @Test
  void aCloseFrameWithAnInvalidUtf8ReasonIs1007() throws Exception {
    RawWebSocket ws = open();
    ws.sendFrame(0x88, new byte[] {0x03, (byte) 0xE8, (byte) 0xFF});
    assertEquals(1007, awaitClosed(ws).closeCode());
  }

  // ---- exact numbers ----

  @Test
  void aResumeCursorPastTwoToTheSixtyThreeIsAnErrorAndReplaysNothing() throws Exception {
    upstream.enqueue(Script.tokens("a", "b", "c", "d", "e"));
    RawWebSocket ws = open();
    ws.sendText(prompt("fake", "hi").put("type", "prompt").put("requestId", "r1").encode());
    await("the end", () -> ws.messages().stream().anyMatch(m -> "end".equals(m.getString("type"))));
    String streamId = ws.messages().stream().filter(m -> "start".equals(m.getString("type"))).findFirst()
      .orElseThrow().getString("streamId");
    long eventsBefore = ws.messages().stream().filter(m -> m.containsKey("seq")).count();

    for (String bad : new String[] {"18446744073709551618", "9223372036854775808", "-1", "1e300", "3.0", "\"3\""}) {
      int before = ws.messages().size();
      ws.sendText("{\"type\":\"resume\",\"streamId\":\"" + streamId + "\",\"lastSeq\":" + bad + "}");
      await("the error for " + bad, () -> ws.messages().size() > before);
      JsonObject answer = ws.messages().get(before);
      assertEquals("error", answer.getString("type"), bad + ": " + answer.encode());
      assertEquals("lastSeq", answer.getString("param"), bad);
    }
    // A ping answered after all of them: the connection still works, and no event was replayed.
    int before = ws.messages().size();
    ws.sendText(ping());
    await("pong", () -> ws.messages().stream().skip(before).anyMatch(m -> "pong".equals(m.getString("type"))));
    assertEquals(eventsBefore, ws.messages().stream().filter(m -> m.containsKey("seq")).count());
    ws.socket.close();
  }

  // ---- helpers ----

  /** 40 MB of spaces, deflated as one permessage-deflate message: about 39 KB on the wire. */
  private static byte[] bomb() {
    byte[] inflated = new byte[40 * 1024 * 1024];
    Arrays.fill(inflated, (byte) ' ');
    return RawWebSocket.deflate(inflated);
  }

  private static byte[] jsonOfSize(int size) {
    byte[] bytes = new byte[size];
    Arrays.fill(bytes, (byte) ' ');
    bytes[0] = '{';
    bytes[size - 1] = '}';
    return bytes;
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  interface Attack {
    void run() throws Exception;
  }

  /** Runs the attack while /livez is probed again and again; returns the slowest probe, in ms. */
  static long whileProbingLivez(GatewayServer gateway, Attack attack) throws Exception {
    AtomicBoolean attacking = new AtomicBoolean(true);
    AtomicLong slowest = new AtomicLong();
    AtomicLong probes = new AtomicLong();
    Thread prober = new Thread(() -> {
      while (attacking.get()) {
        long start = System.nanoTime();
        try {
          if (gateway.get("/livez").status() != 200) {
            slowest.set(Long.MAX_VALUE);
          }
        } catch (Exception e) {
          slowest.set(Long.MAX_VALUE);
        }
        slowest.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
        probes.incrementAndGet();
      }
    }, "livez-prober");
    prober.start();
    try {
      attack.run();
      await("a probe after the attack", () -> probes.get() > 1);
    } finally {
      attacking.set(false);
      prober.join(30_000);
    }
    return slowest.get();
  }
}
