package io.tokenlane.bench.target;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for what the bench starts, all in {@value #FIRST}..{@value #LAST}: other gateways and tests on this
 * machine keep out of that range. A port is handed out once per bench JVM and only when it binds on every
 * interface (Portkey listens on all of them).
 */
public final class Ports {

  public static final int FIRST = 19000;
  public static final int LAST = 19999;
  private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

  private Ports() {
  }

  /**
   * A free port in the bench's range, starting from a random place so two benches rarely race for one.
   *
   * @return the port
   */
  public static int free() {
    int span = LAST - FIRST + 1;
    int start = ThreadLocalRandom.current().nextInt(span);
    for (int i = 0; i < span; i++) {
      int port = FIRST + (start + i) % span;
      if (GIVEN.add(port)) {
        if (bindable(port)) {
          return port;
        }
        GIVEN.remove(port);
      }
    }
    throw new IllegalStateException("no free port in " + FIRST + ".." + LAST);
  }

  private static boolean bindable(int port) {
    try (ServerSocket any = new ServerSocket(); ServerSocket loopback = new ServerSocket()) {
      any.bind(new InetSocketAddress(port));
      any.close();
      loopback.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** @return whether something accepts TCP connections on {@code 127.0.0.1:port} */
  static boolean accepting(int port) {
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
