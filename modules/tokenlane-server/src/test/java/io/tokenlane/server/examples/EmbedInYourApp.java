package io.tokenlane.server.examples;

import io.tokenlane.server.Tokenlane;
import io.tokenlane.server.TokenlaneConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;

/**
 * Embedding Tokenlane in an existing Vert.x application: the application keeps its own server and router and
 * mounts the gateway under {@code /llm}, so OpenAI clients use {@code http://host:port/llm/v1} as base URL.
 * Quoted in docs/architecture.md; compiled and exercised by {@code EmbeddingTest}.
 */
public final class EmbedInYourApp extends VerticleBase {

  private final String yaml;
  private Tokenlane tokenlane;
  private HttpServer server;

  /**
   * @param yaml the gateway configuration, as in conf/tokenlane.yaml
   */
  public EmbedInYourApp(String yaml) {
    this.yaml = yaml;
  }

  @Override
  public Future<?> start() {
    List<String> problems = new ArrayList<>();
    TokenlaneConfig config = TokenlaneConfig.parse(yaml, System::getenv, problems);
    if (!problems.isEmpty()) {
      return Future.failedFuture(String.join("\n", problems));
    }
    Router app = Router.router(vertx);
    app.get("/hello").handler(ctx -> ctx.end("the application's own route"));
    return Tokenlane.start(vertx, config)
      .compose(started -> {
        tokenlane = started;
        app.route("/llm/*").subRouter(started.router());
        server = vertx.createHttpServer().requestHandler(app);
        return server.listen(0, "127.0.0.1");
      });
  }

  @Override
  public Future<?> stop() {
    return tokenlane.close().compose(v -> server.close());
  }

  /** @return the port the application listens on */
  public int port() {
    return server.actualPort();
  }
}
