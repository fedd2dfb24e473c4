package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The JS client's check script ({@code src/test/js/client-check.mjs} of tokenlane-client-js), run in Node. */
final class ClientCheck {

  static final Path CLIENT_DIR = Path.of(System.getProperty("tokenlane.client.dir", "../tokenlane-client-js"));

  private ClientCheck() {
  }

  /**
   * Starts a scenario. Node 20 has a WebSocket global only behind {@code --experimental-websocket} (Node 22 has it
   * by default and accepts the flag).
   *
   * @param scenario the script's scenario
   * @param baseUrl the API root, {@code http://host:port/v1/}
   * @param model the model, or none for the scenario's default
   */
  static Process start(String scenario, String baseUrl, String... model) throws Exception {
    List<String> command = new ArrayList<>(List.of("node", "--experimental-websocket", "src/test/js/client-check.mjs",
      scenario, baseUrl));
    command.addAll(List.of(model));
    return new ProcessBuilder(command).directory(CLIENT_DIR.toFile()).redirectErrorStream(true).start();
  }

  /**
   * Waits for a started scenario and checks it passed.
   *
   * @return the JSON object the script printed last
   */
  static JsonObject result(Process node) throws Exception {
    String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(node.waitFor(60, TimeUnit.SECONDS), "node did not finish");
    assertEquals(0, node.exitValue(), output);
    List<String> lines = output.lines().filter(l -> l.startsWith("{")).toList();
    JsonObject result = new JsonObject(lines.get(lines.size() - 1));
    assertTrue(result.getBoolean("ok"), output);
    return result;
  }
}
