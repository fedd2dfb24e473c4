package io.tokenlane.bench;

/**
 * One way from the load generator to the fake upstream: what sits in between, the protocol the client speaks to it,
 * and the wire format the upstream answers in.
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
  TOKENLANE_ANTHROPIC("tokenlane-anthropic", "Tokenlane, POST /v1/chat/completions stream, from an Anthropic-format "
    + "upstream (the anthropic provider)", Hop.TOKENLANE, Transport.OPENAI_SSE, Upstream.ANTHROPIC),
  PORTKEY("portkey", "Portkey gateway 1.15.2 on Node, POST /v1/chat/completions stream", Hop.PORTKEY,
    Transport.OPENAI_SSE);

  /** What the client connects to. */
  public enum Hop { DIRECT, NGINX, TOKENLANE, PORTKEY }

  /** The protocol the client speaks. */
  public enum Transport { OPENAI_SSE, NATIVE_SSE, WEBSOCKET, LONG_POLL }

  /** The wire format the fake upstream answers the path in. */
  public enum Upstream { OPENAI, ANTHROPIC }

  private final String id;
  private final String description;
  private final Hop hop;
  private final Transport transport;
  private final Upstream upstream;

  BenchPath(String id, String description, Hop hop, Transport transport) {
    this(id, description, hop, transport, Upstream.OPENAI);
  }

  BenchPath(String id, String description, Hop hop, Transport transport, Upstream upstream) {
    this.id = id;
    this.description = description;
    this.hop = hop;
    this.transport = transport;
    this.upstream = upstream;
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

  public Upstream upstream() {
    return upstream;
  }

  /** @return whether the path goes through Tokenlane */
  public boolean isTokenlane() {
    return hop == Hop.TOKENLANE;
  }

  /**
   * @return whether the path's upstream is the direct path's (OpenAI's format, same events, same pacing), so its
   *     latency and throughput compare with direct's
   */
  public boolean besideDirect() {
    return upstream == Upstream.OPENAI;
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
