package io.tokenlane.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart (helm/tokenlane), rendered by a real helm (helm-java bundles it) and read back as typed Kubernetes
 * objects; the configuration it renders goes through the gateway's own loader, so chart and code cannot drift apart.
 */
class HelmChartTest {

  private static final Path CHART = Path.of(System.getProperty("tokenlane.chart.dir",
    System.getProperty("user.dir") + "/../../helm/tokenlane")).toAbsolutePath().normalize();
  private static final String RELEASE = "gw";
  private static final String NAMESPACE = "llm";
  private static final String FULLNAME = "gw-tokenlane";
  private static final String UNHOOKED = "tokenlane.test/helm-hook";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
    "Deployment", Deployment.class,
    "Service", Service.class,
    "ConfigMap", ConfigMap.class,
    "ServiceAccount", ServiceAccount.class,
    "Pod", Pod.class,
    "Ingress", Ingress.class,
    "PodDisruptionBudget", PodDisruptionBudget.class,
    "HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);

  @TempDir
  Path temp;

  @Test
  void chartPassesStrictLint() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertFalse(result.isFailed(), () -> String.join("\n", result.getMessages()));
  }

  @Test
  void defaultValuesRenderOneSecureMemberProbedOnLivezAndReadyz() throws IOException {
    Rendered rendered = render("");
    assertEquals(Set.of("ConfigMap", "Deployment", "Service", "ServiceAccount"), rendered.kinds());
    assertEquals(2, rendered.all(Service.class).size(), "the http Service and the headless one");

    Deployment deployment = rendered.one(Deployment.class);
    assertEquals(FULLNAME, deployment.getMetadata().getName());
    assertEquals(1, deployment.getSpec().getReplicas());
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Container gateway = gateway(deployment);
    assertEquals("ghcr.io/tokenlane/tokenlane:" + appVersion(), gateway.getImage());
    assertEquals(List.of("java", "-jar", "/app/tokenlane.jar", "--config", "/conf/tokenlane.yaml"), gateway.getCommand());
    assertTrue(env(gateway, "JAVA_TOOL_OPTIONS").getValue().contains("-XX:MaxRAMPercentage="));

    assertEquals("/livez", gateway.getLivenessProbe().getHttpGet().getPath());
    assertEquals("http", gateway.getLivenessProbe().getHttpGet().getPort().getStrVal());
    assertEquals("/readyz", gateway.getReadinessProbe().getHttpGet().getPath());
    assertEquals("http", gateway.getReadinessProbe().getHttpGet().getPort().getStrVal());
    Map<String, Integer> ports = gateway.getPorts().stream()
      .collect(Collectors.toMap(port -> port.getName(), port -> port.getContainerPort()));
    assertEquals(Map.of("http", 8080, "hazelcast", 5701, "eventbus", 5702), ports);

    // Secure defaults.
    assertTrue(pod.getSecurityContext().getRunAsNonRoot());
    assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
    assertFalse(pod.getAutomountServiceAccountToken());
    assertTrue(gateway.getSecurityContext().getReadOnlyRootFilesystem());
    assertFalse(gateway.getSecurityContext().getAllowPrivilegeEscalation());
    assertEquals(List.of("ALL"), gateway.getSecurityContext().getCapabilities().getDrop());
    assertNotNull(gateway.getResources().getRequests().get("memory"));
    assertNotNull(gateway.getResources().getLimits().get("memory"));
    assertNotNull(volume(pod, mount(gateway, "/tmp").getName()).getEmptyDir(), "a writable /tmp");

    // Termination: the preStop sleep, then shutdown.graceMs (10 s), then a margin, before SIGKILL.
    assertEquals(5, gateway.getLifecycle().getPreStop().getSleep().getSeconds());
    assertEquals(5 + 10 + 10, pod.getTerminationGracePeriodSeconds());

    Service http = rendered.named(Service.class, FULLNAME);
    ServicePort httpPort = http.getSpec().getPorts().get(0);
    assertEquals("http", httpPort.getTargetPort().getStrVal());
    assertEquals(deployment.getSpec().getSelector().getMatchLabels(), http.getSpec().getSelector());

    TokenlaneConfig config = loadConfig(rendered, name -> null);
    assertEquals("0.0.0.0", config.host());
    assertEquals(8080, config.port());
    assertFalse(config.cluster().isEnabled(), "one replica: no cluster");
    assertEquals("/plugins", config.gateway().getPluginsDirectory());
    assertEquals(10_000, config.shutdownGraceMs());
    assertEquals("/conf", mount(gateway, "/conf").getMountPath());

    Pod test = renderTestPod("");
    assertEquals("test", test.getMetadata().getAnnotations().get(UNHOOKED));
    String script = String.join("\n", test.getSpec().getContainers().get(0).getArgs());
    assertTrue(script.contains("/readyz") && script.contains("\"model\":\"mock-fast\",\"stream\":true"), script);
    assertEquals("http://" + FULLNAME + ":80", env(test.getSpec().getContainers().get(0), "BASE").getValue());
  }

  @Test
  void threeReplicasClusterThroughTheHeadlessServiceWithDisruptionBudgetAndAutoscaler() throws IOException {
    Rendered rendered = render("""
      replicaCount: 3
      podDisruptionBudget:
        enabled: true
      autoscaling:
        enabled: true
        minReplicas: 3
        maxReplicas: 9
      """);
    assertTrue(rendered.kinds().containsAll(Set.of("PodDisruptionBudget", "HorizontalPodAutoscaler")));
    Deployment deployment = rendered.one(Deployment.class);
    assertNull(deployment.getSpec().getReplicas(), "the autoscaler owns the replica count");
    assertEquals(0, deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal(),
      "a rolling upgrade never shrinks the cluster");

    Service headless = rendered.named(Service.class, FULLNAME + "-hazelcast");
    assertEquals("None", headless.getSpec().getClusterIP());
    assertTrue(headless.getSpec().getPublishNotReadyAddresses());
    assertEquals(deployment.getSpec().getSelector().getMatchLabels(), headless.getSpec().getSelector());
    ServicePort hazelcast = headless.getSpec().getPorts().stream()
      .filter(port -> "hazelcast".equals(port.getName())).findFirst().orElseThrow();
    assertEquals(5701, hazelcast.getPort());

    TokenlaneConfig config = loadConfig(rendered, name -> null);
    assertTrue(config.cluster().isEnabled());
    assertEquals(headless.getMetadata().getName() + "." + NAMESPACE + ".svc.cluster.local",
      config.cluster().getKubernetesServiceDns(), "the members look each other up through the headless Service");
    assertEquals(5701, config.cluster().getPort());
    assertEquals("0.0.0.0", config.cluster().getHost());

    PodDisruptionBudget budget = rendered.one(PodDisruptionBudget.class);
    assertEquals(1, budget.getSpec().getMaxUnavailable().getIntVal());
    assertEquals(deployment.getSpec().getSelector().getMatchLabels(), budget.getSpec().getSelector().getMatchLabels());

    HorizontalPodAutoscaler autoscaler = rendered.one(HorizontalPodAutoscaler.class);
    assertEquals(FULLNAME, autoscaler.getSpec().getScaleTargetRef().getName());
    assertEquals("Deployment", autoscaler.getSpec().getScaleTargetRef().getKind());
    assertEquals(3, autoscaler.getSpec().getMinReplicas());
    assertEquals(9, autoscaler.getSpec().getMaxReplicas());
    assertEquals("cpu", autoscaler.getSpec().getMetrics().get(0).getResource().getName());
    assertEquals(70, autoscaler.getSpec().getMetrics().get(0).getResource().getTarget().getAverageUtilization());
    assertEquals(1, autoscaler.getSpec().getMetrics().size(), "CPU only unless asked");

    // On open connections too: the metric the gateway publishes, per pod.
    HorizontalPodAutoscaler onConnections = render("autoscaling:\n  enabled: true\n  targetConnectionsPerPod: 500\n")
      .one(HorizontalPodAutoscaler.class);
    io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec connections = onConnections.getSpec().getMetrics().get(1);
    assertEquals("Pods", connections.getType());
    assertEquals(io.tokenlane.core.metrics.Meters.CONNECTIONS.replace('.', '_'), connections.getPods().getMetric().getName());
    assertEquals("500", connections.getPods().getTarget().getAverageValue().toString());

    Container test = renderTestPod("replicaCount: 3\n").getSpec().getContainers().get(0);
    assertEquals("3", env(test, "EXPECTED_MEMBERS").getValue());
    assertEquals("true", env(test, "CLUSTERED").getValue());
  }

  @Test
  void threeReplicasWithoutAutoscalerSetTheDeploymentsReplicas() throws IOException {
    Rendered rendered = render("replicaCount: 3\n");
    assertEquals(3, rendered.one(Deployment.class).getSpec().getReplicas());
    assertFalse(rendered.kinds().contains("PodDisruptionBudget"), "a budget only when asked");
    assertTrue(loadConfig(rendered, name -> null).cluster().isEnabled());
  }

  @Test
  void ingressKeepsStreamsUnbufferedAndOpen() throws IOException {
    Rendered rendered = render("""
      ingress:
        enabled: true
        hosts:
          - host: llm.example.com
            paths:
              - path: /
                pathType: Prefix
        tls:
          - secretName: llm-tls
            hosts: [llm.example.com]
      """);
    Ingress ingress = rendered.one(Ingress.class);
    assertEquals("nginx", ingress.getSpec().getIngressClassName());
    Map<String, String> annotations = ingress.getMetadata().getAnnotations();
    assertEquals("off", annotations.get("nginx.ingress.kubernetes.io/proxy-buffering"));
    assertEquals("3600", annotations.get("nginx.ingress.kubernetes.io/proxy-read-timeout"));
    assertEquals("3600", annotations.get("nginx.ingress.kubernetes.io/proxy-send-timeout"));
    assertEquals("ewma", annotations.get("nginx.ingress.kubernetes.io/load-balance"));
    var rule = ingress.getSpec().getRules().get(0);
    assertEquals("llm.example.com", rule.getHost());
    var backend = rule.getHttp().getPaths().get(0).getBackend().getService();
    assertEquals(FULLNAME, backend.getName());
    assertEquals("http", backend.getPort().getName());
    assertEquals("llm-tls", ingress.getSpec().getTls().get(0).getSecretName());
  }

  @Test
  void pluginJarsAreCopiedFromAnImageAndMountedFromExtraVolumes() throws IOException {
    Rendered rendered = render("""
      plugins:
        image:
          repository: registry.example.com/tokenlane-plugins
          tag: "1.2.0"
        extraVolumes:
          - name: acme-plugin
            configMap:
              name: acme-plugin-jar
        extraVolumeMounts:
          - name: acme-plugin
            mountPath: /plugins/acme.jar
            subPath: acme.jar
      """);
    Deployment deployment = rendered.one(Deployment.class);
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Container init = pod.getInitContainers().get(0);
    assertEquals("registry.example.com/tokenlane-plugins:1.2.0", init.getImage());
    assertTrue(String.join(" ", init.getCommand()).contains("cp /plugins/*.jar /plugins-target/"));
    assertEquals("plugins", init.getVolumeMounts().get(0).getName());
    assertTrue(init.getSecurityContext().getReadOnlyRootFilesystem());
    Container gateway = gateway(deployment);
    assertEquals("plugins", mount(gateway, "/plugins").getName());
    assertNotNull(volume(pod, "plugins").getEmptyDir());
    assertEquals("acme.jar", mount(gateway, "/plugins/acme.jar").getSubPath());
    assertEquals("acme-plugin-jar", volume(pod, "acme-plugin").getConfigMap().getName());
    assertEquals("/plugins", loadConfig(rendered, name -> null).gateway().getPluginsDirectory());
  }

  @Test
  void serviceMonitorScrapesMetricsOnTheHttpPort() throws IOException {
    Rendered rendered = render("serviceMonitor:\n  enabled: true\n  labels:\n    release: prometheus\n");
    GenericKubernetesResource monitor = rendered.all(GenericKubernetesResource.class).stream()
      .filter(resource -> "ServiceMonitor".equals(resource.getKind())).findFirst().orElseThrow();
    assertEquals("monitoring.coreos.com/v1", monitor.getApiVersion());
    assertEquals("prometheus", monitor.getMetadata().getLabels().get("release"));
    Map<?, ?> endpoint = (Map<?, ?>) ((List<?>) ((Map<?, ?>) monitor.getAdditionalProperties().get("spec"))
      .get("endpoints")).get(0);
    assertEquals("/metrics", endpoint.get("path"));
    assertEquals("http", endpoint.get("port"));
  }

  @Test
  void theGrafanaDashboardQueriesOnlyMetricsTheGatewayPublishes() throws Exception {
    Rendered rendered = render("grafanaDashboard:\n  enabled: true\n  annotations:\n    grafana_folder: LLM\n");
    ConfigMap map = rendered.named(ConfigMap.class, FULLNAME + "-dashboard");
    assertEquals("1", map.getMetadata().getLabels().get("grafana_dashboard"), "the label Grafana's sidecar selects on");
    assertEquals("LLM", map.getMetadata().getAnnotations().get("grafana_folder"));
    io.vertx.core.json.JsonObject dashboard = new io.vertx.core.json.JsonObject(map.getData().get("tokenlane.json"));
    assertEquals("tokenlane", dashboard.getString("uid"));
    Set<String> published = new java.util.HashSet<>();
    for (java.lang.reflect.Field field : io.tokenlane.core.metrics.Meters.class.getFields()) {
      if (field.getType() == String.class && java.lang.reflect.Modifier.isStatic(field.getModifiers())
        && ((String) field.get(null)).startsWith("tokenlane.")) {
        published.add(((String) field.get(null)).replace('.', '_'));
      }
    }
    Set<String> queried = new java.util.TreeSet<>();
    int panels = 0;
    for (Object panel : dashboard.getJsonArray("panels")) {
      panels++;
      for (Object target : ((io.vertx.core.json.JsonObject) panel).getJsonArray("targets")) {
        java.util.regex.Matcher metric = java.util.regex.Pattern.compile("tokenlane_[a-z_]+")
          .matcher(((io.vertx.core.json.JsonObject) target).getString("expr"));
        while (metric.find()) {
          queried.add(metric.group().replaceAll("_(bucket|count|sum|max)$", "").replaceAll("_total$", "")
            .replaceAll("_seconds$", ""));
        }
      }
    }
    assertTrue(panels >= 10, "a dashboard, not a stub");
    assertTrue(published.containsAll(queried), () -> "queried but never published: " + queried.stream()
      .filter(name -> !published.contains(name)).toList());
    assertTrue(queried.containsAll(Set.of("tokenlane_connections_open", "tokenlane_time_to_first_token",
      "tokenlane_tokens_delivered", "tokenlane_upstream_errors", "tokenlane_cluster_members",
      "tokenlane_event_loop_delay")), queried.toString());
    assertEquals(1, render("").all(ConfigMap.class).size(), "no dashboard unless asked");
  }

  @Test
  void secretsAreReferencedFromExistingSecretsNeverInlined() throws IOException {
    Rendered rendered = render("""
      providers:
        openai:
          type: openai
          config:
            baseUrl: https://api.openai.com/v1
          apiKeySecret:
            name: openai-credentials
            key: api-key
      models:
        gpt-4o-mini:
          provider: openai
          model: gpt-4o-mini
      auth:
        apiKeySecret:
          name: gateway-key
          key: key
      sessions:
        secretSecret:
          name: gateway-sessions
          key: secret
      """);
    Container gateway = gateway(rendered.one(Deployment.class));
    assertSecretRef(env(gateway, "OPENAI_API_KEY"), "openai-credentials", "api-key");
    assertSecretRef(env(gateway, "TOKENLANE_API_KEY"), "gateway-key", "key");
    assertSecretRef(env(gateway, "TOKENLANE_SESSIONS_SECRET"), "gateway-sessions", "secret");
    for (EnvVar variable : gateway.getEnv()) {
      if (!variable.getName().equals("JAVA_TOOL_OPTIONS")) {
        assertNull(variable.getValue(), variable.getName() + " must come from a Secret");
      }
    }
    String yaml = rendered.one(ConfigMap.class).getData().get("tokenlane.yaml");
    assertTrue(yaml.contains("apiKey: ${OPENAI_API_KEY}"), yaml);
    assertSecretRef(env(renderTestPod("auth:\n  apiKeySecret:\n    name: gateway-key\n    key: key\n")
      .getSpec().getContainers().get(0), "TOKENLANE_API_KEY"), "gateway-key", "key");

    // The gateway reads it with the keys in its environment, as the pod's Secrets give them.
    Map<String, String> environment = Map.of("OPENAI_API_KEY", "sk-test", "TOKENLANE_API_KEY", "gateway-test-key");
    TokenlaneConfig config = loadConfig(rendered, environment::get);
    assertTrue(config.auth().isRequired(), "a gateway key turns authentication on");
  }

  @Test
  void keysFileIsMountedFromASecretWhereTheConfigurationLooksForIt() throws IOException {
    Rendered rendered = render("auth:\n  keysFileSecret:\n    name: gateway-keys\n    key: keys.yaml\n");
    Deployment deployment = rendered.one(Deployment.class);
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Map<String, Object> config = new Yaml().load(rendered.one(ConfigMap.class).getData().get("tokenlane.yaml"));
    String keysFile = (String) ((Map<?, ?>) config.get("auth")).get("keysFile");
    VolumeMount mount = mount(gateway(deployment), keysFile);
    assertEquals("keys.yaml", mount.getSubPath());
    assertTrue(mount.getReadOnly());
    assertEquals("gateway-keys", volume(pod, mount.getName()).getSecret().getSecretName());

    // The loader reads the mounted file: the same path, here a file of one key's hash.
    Path keys = Files.writeString(temp.resolve("keys.yaml"), "team-a:\n  hash: sha256:" + "ab".repeat(32) + "\n");
    String yaml = rendered.one(ConfigMap.class).getData().get("tokenlane.yaml").replace(keysFile, keys.toString());
    List<String> problems = new ArrayList<>();
    TokenlaneConfig loaded = TokenlaneConfig.parse(yaml, name -> null, problems);
    assertEquals(List.of(), problems);
    assertTrue(loaded.auth().isRequired());
  }

  @Test
  void aRoutedModelPassesTheSchemaAndReachesTheGateway() throws IOException {
    Rendered rendered = render("""
      models:
        smart:
          strategy: weighted
          targets:
            - {provider: mock-typewriter, model: a, weight: 3}
            - {provider: mock-fast, model: b, weight: 1}
      """);
    TokenlaneConfig config = loadConfig(rendered, name -> null);
    assertEquals(2, config.gateway().getModels().get("smart").route().targets().size());
    assertRejected("models:\n  smart:\n    targets: [{provider: mock-fast, weight: 0}]\n", "weight");
    assertRejected("models:\n  smart:\n    strategy: fastest\n    targets: [{provider: mock-fast}]\n", "strategy");
  }

  @Test
  void schemaRejectsMisspelledKeysAndWrongTypes() {
    assertRejected("replicaCont: 3\n", "replicaCont");
    assertRejected("replicaCount: three\n", "replicaCount");
    assertRejected("cluster:\n  port: \"5701\"\n", "port");
    assertRejected("providers:\n  openai:\n    type: openai\n    apiKeySecret: {nam: openai, key: k}\n", "nam");
    assertRejected("ingress:\n  enabled: yes-please\n", "enabled");
    assertRejected("providers:\n  openai:\n    type: openai\n    config: {apiKey: sk-inline}\n", "apiKeySecret");
  }

  @Test
  void helmTestScriptPassesAgainstTheRenderedGatewayAndFailsWithAWrongKey() throws Exception {
    String values = "auth:\n  apiKeySecret:\n    name: gateway-key\n    key: key\n";
    Rendered rendered = render(values);
    // The rendered configuration, run in-process as the pod would run it, on loopback and a free port.
    Map<String, String> podEnv = Map.of("TOKENLANE_API_KEY", "helm-test-key-0123456789",
      "TOKENLANE_HTTP_HOST", "127.0.0.1", "TOKENLANE_HTTP_PORT", "0");
    TokenlaneConfig config = loadConfig(rendered, podEnv::get);
    Container test = renderTestPod(values).getSpec().getContainers().get(0);
    assertEquals(List.of("sh", "-c"), test.getCommand());
    String script = test.getArgs().get(0);
    Vertx vertx = Vertx.vertx();
    try {
      TokenlaneVerticle gateway = new TokenlaneVerticle(config);
      vertx.deployVerticle(gateway).await(20, TimeUnit.SECONDS);
      String base = "http://127.0.0.1:" + gateway.actualPort();

      Run passed = runScript(script, test, base, "helm-test-key-0123456789");
      assertEquals(0, passed.exitCode(), passed.output());
      assertTrue(passed.output().contains("\"status\":\"UP\""), passed.output());
      assertTrue(passed.output().matches("(?s).*streamed \\d+ events\\s.*stream st-\\S+ read to its end in \\d+ polls\\s+ok\\s*"),
        passed.output());

      Run refused = runScript(script, test, base, "not-the-key");
      assertFalse(refused.exitCode() == 0, refused.output());
      assertTrue(refused.output().contains("the completion failed"), refused.output());
    } finally {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void helmTestScriptWaitsForEveryReplicaToJoinTheCluster() throws Exception {
    Container test = renderTestPod("replicaCount: 2\n").getSpec().getContainers().get(0);
    assertEquals("true", env(test, "CLUSTERED").getValue());
    String script = test.getArgs().get(0);
    // Two real members (Hazelcast on loopback, a TCP member list instead of the headless Service's DNS).
    try (ClusterMembers cluster = ClusterMembers.start(2, """
        providers:
          mock-fast: {type: mock, config: {tokensPerSecond: 0, length: 1000}}
        models:
          mock-fast: {provider: mock-fast}
        """)) {
      String base = "http://127.0.0.1:" + cluster.members.get(0).port();
      Run passed = runScript(script, test, base, null, Map.of());
      assertEquals(0, passed.exitCode(), passed.output());
      assertTrue(passed.output().contains("members: 2"), passed.output());

      Run missing = runScript(script, test, base, null, Map.of("EXPECTED_MEMBERS", "3", "TIMEOUT", "3"));
      assertFalse(missing.exitCode() == 0, missing.output());
      assertTrue(missing.output().contains("expected 3 members"), missing.output());
    }
  }

  private record Run(int exitCode, String output) {
  }

  /** Runs the test pod's script here with the pod's environment, the Service's URL replaced by the gateway's. */
  private Run runScript(String script, Container pod, String base, String apiKey) throws Exception {
    return runScript(script, pod, base, apiKey, Map.of());
  }

  private Run runScript(String script, Container pod, String base, String apiKey, Map<String, String> overrides)
      throws Exception {
    ProcessBuilder builder = new ProcessBuilder(List.of("sh", "-c", script)).redirectErrorStream(true);
    for (EnvVar variable : pod.getEnv()) {
      if (variable.getValue() != null) {
        builder.environment().put(variable.getName(), variable.getValue());
      }
    }
    builder.environment().put("BASE", base);
    builder.environment().remove("TOKENLANE_API_KEY");
    if (apiKey != null) {
      builder.environment().put("TOKENLANE_API_KEY", apiKey);
    }
    builder.environment().putAll(overrides);
    builder.environment().put("TMPDIR", Files.createTempDirectory(temp, "pod").toString());
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), output);
    return new Run(process.exitValue(), output);
  }

  @Test
  void everyKeyInValuesYamlHasAComment() throws IOException {
    List<String> lines = Files.readAllLines(CHART.resolve("values.yaml"));
    java.util.regex.Pattern key = java.util.regex.Pattern.compile("^\\s*(- )?[A-Za-z0-9_.\\-/\"]+:( .*)?$");
    List<String> uncommented = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.strip().startsWith("#") || !key.matcher(line).matches()) {
        continue;
      }
      boolean commentAbove = i > 0 && lines.get(i - 1).strip().startsWith("#");
      boolean commentBeside = line.substring(line.indexOf(':') + 1).contains("#");
      if (!commentAbove && !commentBeside) {
        uncommented.add((i + 1) + ": " + line);
      }
    }
    assertEquals(List.of(), uncommented);
  }

  @Test
  void notesTellHowToReachTheGatewayAndTheDemo() {
    String notes = new Helm(CHART).install().withName(RELEASE).withNamespace(NAMESPACE).clientOnly().dryRun().call()
      .getOutput();
    assertTrue(notes.contains("port-forward service/" + FULLNAME), notes);
    assertTrue(notes.contains("/demo/"), notes);
    assertTrue(notes.contains("helm test " + RELEASE), notes);
  }

  @Test
  void imageAndCommandAreConfigurable() throws IOException {
    Rendered rendered = render("""
      image:
        repository: registry.example.com/tokenlane
        tag: 0.1.0-rc1
      command: [java, -Xss512k, -jar, /app/tokenlane.jar, --config, /conf/tokenlane.yaml]
      http:
        port: 10000
        maxBodyBytes: 10000000
      streams:
        maxStreams: 1000000
      shutdown:
        graceMs: 30000
      """);
    Deployment deployment = rendered.one(Deployment.class);
    Container gateway = gateway(deployment);
    assertEquals("registry.example.com/tokenlane:0.1.0-rc1", gateway.getImage());
    assertEquals("-Xss512k", gateway.getCommand().get(1));
    assertEquals(10000, gateway.getPorts().get(0).getContainerPort());
    assertEquals(5 + 30 + 10, deployment.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds());
    TokenlaneConfig config = loadConfig(rendered, name -> null);
    assertEquals(10000, config.port(), "large numbers render as integers, never 1e+04");
    assertEquals(1_000_000, config.streams().getMaxStreams());
    assertEquals(10_000_000, config.transport().getMaxBodyBytes());
    assertEquals(30_000, config.shutdownGraceMs());
  }

  private void assertRejected(String values, String key) {
    Exception failure = assertThrows(Exception.class, () -> render(values), values);
    assertTrue(failure.getMessage().contains(key), failure.getMessage());
  }

  private static void assertSecretRef(EnvVar variable, String secret, String key) {
    assertNull(variable.getValue(), variable.getName() + " is not inlined");
    SecretKeySelector selector = variable.getValueFrom().getSecretKeyRef();
    assertEquals(secret, selector.getName());
    assertEquals(key, selector.getKey());
  }

  private static TokenlaneConfig loadConfig(Rendered rendered, Function<String, String> env) {
    String yaml = rendered.one(ConfigMap.class).getData().get("tokenlane.yaml");
    List<String> problems = new ArrayList<>();
    TokenlaneConfig config = TokenlaneConfig.parse(yaml, env, problems);
    assertEquals(List.of(), problems, yaml);
    return config;
  }

  private static Container gateway(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().stream()
      .filter(container -> container.getName().equals("tokenlane")).findFirst().orElseThrow();
  }

  private static EnvVar env(Container container, String name) {
    return container.getEnv().stream().filter(variable -> variable.getName().equals(name)).findFirst()
      .orElseThrow(() -> new AssertionError("no environment variable " + name));
  }

  private static VolumeMount mount(Container container, String path) {
    return container.getVolumeMounts().stream().filter(mount -> mount.getMountPath().equals(path)).findFirst()
      .orElseThrow(() -> new AssertionError("nothing mounted at " + path));
  }

  private static Volume volume(PodSpec pod, String name) {
    return pod.getVolumes().stream().filter(volume -> volume.getName().equals(name)).findFirst()
      .orElseThrow(() -> new AssertionError("no volume " + name));
  }

  private static String appVersion() throws IOException {
    Map<String, Object> chart = new Yaml().load(Files.readString(CHART.resolve("Chart.yaml")));
    return (String) chart.get("appVersion");
  }

  /**
   * The helm test pod. helm-java's template leaves hooks out, so this renders a copy of the chart whose test
   * template has its hook annotation renamed to {@link #UNHOOKED}: the same pod, as a plain manifest.
   */
  private Pod renderTestPod(String values) throws IOException {
    Path copy = temp.resolve("chart-" + System.nanoTime());
    try (var files = Files.walk(CHART)) {
      for (Path file : files.toList()) {
        Path target = copy.resolve(CHART.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    }
    Path testTemplate = copy.resolve("templates/tests/test-connection.yaml");
    String template = Files.readString(testTemplate);
    assertTrue(template.contains("helm.sh/hook: test"), "the pod is a helm test hook");
    Files.writeString(testTemplate, template.replace("helm.sh/hook", UNHOOKED));
    return render(copy, values).one(Pod.class);
  }

  private Rendered render(String values) throws IOException {
    return render(CHART, values);
  }

  private Rendered render(Path chart, String values) throws IOException {
    Path file = Files.writeString(Files.createTempFile(temp, "values", ".yaml"), values);
    String manifests = new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE)
      .withValuesFile(file).call();
    List<HasMetadata> objects = new ArrayList<>();
    for (Object document : new Yaml().loadAll(manifests)) {
      if (document instanceof Map<?, ?> map) {
        Class<? extends HasMetadata> type = KINDS.getOrDefault((String) map.get("kind"), GenericKubernetesResource.class);
        objects.add(MAPPER.convertValue(map, type));
      }
    }
    return new Rendered(objects);
  }

  private record Rendered(List<HasMetadata> objects) {

    Set<String> kinds() {
      return objects.stream().map(HasMetadata::getKind).collect(Collectors.toCollection(TreeSet::new));
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
      return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type) {
      List<T> all = all(type);
      assertEquals(1, all.size(), () -> "one " + type.getSimpleName() + " in " + kinds());
      return all.get(0);
    }

    <T extends HasMetadata> T named(Class<T> type, String name) {
      return all(type).stream().filter(object -> object.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }
  }
}
