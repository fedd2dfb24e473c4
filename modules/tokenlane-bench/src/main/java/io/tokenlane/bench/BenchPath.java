package io.tokenlane.bench;

/**
 * One way from the load generator to the fake upstream: what sits in between, and the protocol the client
 * speaks to it.
 */
public enum BenchPath {

  DIRECT("direct", "client straight to the fake upstream (the floor)", Hop.DIRECT, Transport.OPENAI_SSE),
  NGINX("nginx", "nginx reverse proxy, proxy_buffering off (a dumb pipe)", Hop.NGINX, Transport.OPENAI_SSE),
  TOKENLANE_OPENAI("tokenlane-openai-sse", "Tokenlane, POST /v1/chat/completions stream", Hop.TOKENLANE,
    Transport.OPENAI_SSE),
  TOKENLANE_SSE("tokenlane-sse", "Tokenlane native SSE: POST /v1/streams + GET events", Hop.TOKENLANE,
    Transport.NATIVE_SSE),
  TOKENLANE_WEBSOCKET("tokenlane-websocket", "Tokenlane native WebSocket /v1/ws, prompt frames", Hop.TOKENLANE,
    Transport.WEBSOCKET),
  TOKENLANE_LONG_POLL("tokenlane-long-poll", "Tokenlane native long-poll: POST /v1/streams + GET poll", Hop.TOKENLANE,
    Transport.LONG_POLL),
  PORTKEY("portkey", "Portkey gateway 1.15.2 on Node, POST /v1/chat/completions stream", Hop.PORTKEY,
    Transport.OPENAI_SSE);

  /** What the client connects to. */
  public enum Hop { DIRECT, NGINX, TOKENLANE, PORTKEY }

  /** The protocol the client speaks. */
  public enum Transport { OPENAI_SSE, NATIVE_SSE, WEBSOCKET, LONG_POLL }

  private final String id;
  private final String description;
  private final Hop hop;
  private final Transport transport;

  BenchPath(String id, String description, Hop hop, Transport transport) {
    this.id = id;
    this.description = description;
    this.hop = hop;
    this.transport = transport;
  }

  /** @return the name in reports and on the command line */
  public String id() {
    return id;
  }

  /** @return one line on what the path is */
  public String description() {
    return description;
  }

  public Hop hop() {
    return hop;
  }

  public Transport transport() {
    return transport;
  }

  /** @return whether the path goes through Tokenlane */
  public boolean isTokenlane() {
    return hop == Hop.TOKENLANE;
  }

  /**
   * The path named {@code id}.
   *
   * @throws IllegalArgumentException for an unknown name
   */
  public static BenchPath byId(String id) {
    for (BenchPath path : values()) {
      if (path.id.equals(id)) {
        return path;
      }
    }
    throw new IllegalArgumentException("unknown path '" + id + "'");
  }
}
