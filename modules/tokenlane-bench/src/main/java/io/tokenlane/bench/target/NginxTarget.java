package io.tokenlane.bench.target;

import io.tokenlane.bench.proc.ChildProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * nginx as a plain reverse proxy for SSE ({@code proxy_buffering off}): the cost of a dumb pipe. Runs in the
 * foreground from a generated configuration in its own directory (logs, pid file, temp paths), two workers.
 */
public final class NginxTarget implements Target {

  private final String binary;
  private final Path dir;
  private ChildProcess nginx;

  NginxTarget(String binary, Path dir) {
    this.binary = binary;
    this.dir = dir;
  }

  @Override
  public Endpoint start(UpstreamPorts upstream) throws IOException {
    int port = Ports.free();
    Files.createDirectories(dir);
    Path conf = dir.resolve("nginx.conf");
    Files.writeString(conf, config(port, upstream.openAi()));
    nginx = ChildProcess.start("nginx", List.of(binary, "-p", dir.toString(), "-c", conf.toString(),
      "-e", dir.resolve("error.log").toString(), "-g", "daemon off;"), dir, dir.resolve("nginx.out"), Map.of());
    nginx.await(() -> Ports.accepting(port), Duration.ofSeconds(10));
    return Endpoint.openAi(port, Map.of());
  }

  String config(int port, int upstreamPort) {
    return """
      worker_processes auto;
      worker_rlimit_nofile 65536;
      pid %1$s/nginx.pid;
      error_log %1$s/error.log warn;
      events {
        worker_connections 30000;
      }
      http {
        access_log %1$s/access.log combined buffer=64k flush=1s;
        client_body_temp_path %1$s/client_body;
        proxy_temp_path %1$s/proxy;
        fastcgi_temp_path %1$s/fastcgi;
        uwsgi_temp_path %1$s/uwsgi;
        scgi_temp_path %1$s/scgi;
        keepalive_requests 1000000;
        upstream fake {
          server 127.0.0.1:%3$d;
          keepalive 1024;
        }
        server {
          listen 127.0.0.1:%2$d;
          location / {
            proxy_pass http://fake;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
            proxy_read_timeout 3600s;
          }
        }
      }
      """.formatted(dir.toAbsolutePath(), port, upstreamPort);
  }

  @Override
  public List<Long> pids() {
    return nginx == null ? List.of() : nginx.pids();
  }

  @Override
  public void close() {
    if (nginx != null) {
      nginx.close();
    }
  }
}
