package io.tokenlane.server;

import static io.tokenlane.server.NativeClient.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * JWT validation against an identity provider's JWKS served over real HTTP on loopback: a valid token is a
 * principal ({@code jwt:<sub>}), a wrong issuer, audience, signature or expiry is 401, a key rotated in after start is
 * picked up, and sessions of one subject are closed to another.
 */
class JwtAuthTest {

  static Vertx vertx;
  static HttpServer idp;
  static final AtomicInteger jwksFetches = new AtomicInteger();
  static volatile JsonArray published = new JsonArray();
  static JWTAuth signer;
  static JWTAuth rotated;
  static JWTAuth stranger;
  static GatewayServer gateway;
  static NativeClient client;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    KeyPair first = rsa();
    KeyPair second = rsa();
    signer = signer(first, "k1");
    rotated = signer(second, "k2");
    stranger = signer(rsa(), "k1");
    published = new JsonArray().add(jwk(first, "k1"));
    idp = vertx.createHttpServer().requestHandler(request -> {
      jwksFetches.incrementAndGet();
      request.response().putHeader("content-type", "application/json")
        .end(new JsonObject().put("keys", published).encode());
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    gateway = GatewayServer.start(vertx, """
      auth:
        jwt:
          jwksUri: http://127.0.0.1:%d/.well-known/jwks.json
          issuer: https://idp.example
          audience: tokenlane
          models: [fast]
      providers:
        fast-mock: { type: mock, config: { length: 5 } }
        slow-mock: { type: mock, config: { length: 400, tokensPerSecond: 40 } }
      models:
        fast: { provider: fast-mock }
        slow: { provider: slow-mock }
      """.formatted(idp.actualPort()));
    client = new NativeClient(vertx, gateway.port());
    NativeClient.await("the JWKS fetched", () -> jwksFetches.get() > 0);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static KeyPair rsa() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  static JWTAuth signer(KeyPair pair, String kid) {
    JWTAuth auth = signerOf(pair, kid);
    PAIRS.put(auth, pair);
    return auth;
  }

  static JWTAuth signerOf(KeyPair pair, String kid) {
    String pem = "-----BEGIN PRIVATE KEY-----\n"
      + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    return JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256")
      .setBuffer(pem).setId(kid)));
  }

  static JsonObject jwk(KeyPair pair, String kid) {
    RSAPublicKey key = (RSAPublicKey) pair.getPublic();
    return new JsonObject().put("kty", "RSA").put("kid", kid).put("alg", "RS256").put("use", "sig")
      .put("n", b64(key.getModulus())).put("e", b64(key.getPublicExponent()));
  }

  static String b64(BigInteger value) {
    byte[] bytes = value.toByteArray();
    int skip = bytes.length > 1 && bytes[0] == 0 ? 1 : 0;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOfRange(bytes, skip, bytes.length));
  }

  static String token(JWTAuth auth, String kid, String sub, String issuer, String audience, int expiresInSeconds) {
    long exp = System.currentTimeMillis() / 1000 + expiresInSeconds;
    return auth.generateToken(new JsonObject().put("sub", sub).put("exp", exp), new JWTOptions().setAlgorithm("RS256")
      .setIssuer(issuer).setAudience(List.of(audience)).setHeader(new JsonObject().put("kid", kid)));
  }

  static String completion(String model) {
    return new JsonObject().put("model", model)
      .put("messages", List.of(new JsonObject().put("role", "user").put("content", "hi"))).encode();
  }

  @Test
  void aValidTokenCallsTheApiWithinItsModels() throws Exception {
    String jwt = token(signer, "k1", "user-1", "https://idp.example", "tokenlane", 600);
    NativeClient.Reply ok = client.request(HttpMethod.POST, "/v1/chat/completions", jwt, completion("fast"));
    assertEquals(200, ok.status(), ok.body());
    NativeClient.Reply narrow = client.request(HttpMethod.POST, "/v1/chat/completions", jwt, completion("slow"));
    assertEquals(403, narrow.status(), narrow.body());
    assertEquals("model_not_allowed", narrow.errorCode());
  }

  @Test
  void aWrongIssuerAudienceSignatureOrExpiryIs401() throws Exception {
    for (String bad : List.of(
        token(signer, "k1", "user-1", "https://evil.example", "tokenlane", 600),
        token(signer, "k1", "user-1", "https://idp.example", "someone-else", 600),
        token(stranger, "k1", "user-1", "https://idp.example", "tokenlane", 600),
        token(signer, "k1", "user-1", "https://idp.example", "tokenlane", -120),
        signer.generateToken(new JsonObject().put("sub", "user-1"), new JWTOptions().setAlgorithm("RS256")
          .setIssuer("https://idp.example").setAudience(List.of("tokenlane"))))) {
      NativeClient.Reply reply = client.request(HttpMethod.POST, "/v1/chat/completions", bad, completion("fast"));
      assertEquals(401, reply.status(), reply.body());
      assertEquals("invalid_api_key", reply.errorCode());
    }
  }

  @Test
  void aKeyPublishedAfterStartIsPickedUp() throws Exception {
    published = new JsonArray().add(published.getJsonObject(0)).add(jwk(rsaOf(rotated), "k2"));
    String jwt = token(rotated, "k2", "user-2", "https://idp.example", "tokenlane", 600);
    // A token naming an unknown key fetches the JWKS again (at most every 5 s).
    NativeClient.await("the new key", () -> {
      try {
        return client.request(HttpMethod.POST, "/v1/chat/completions", jwt, completion("fast")).status() == 200;
      } catch (Exception e) {
        return false;
      }
    });
  }

  @Test
  void aSubjectsSessionIsClosedToAnotherSubject() throws Exception {
    String one = client.request(HttpMethod.POST, "/v1/sessions",
      token(signer, "k1", "user-1", "https://idp.example", "tokenlane", 600), null).json().getString("token");
    String two = client.request(HttpMethod.POST, "/v1/sessions",
      token(signer, "k1", "user-3", "https://idp.example", "tokenlane", 600), null).json().getString("token");
    String id = client.start(one, prompt("fast", "hi"));
    assertEquals(404, client.poll(two, id, 0, 0).status());
    assertEquals(200, client.poll(one, id, 0, 0).status());
  }

  private static final java.util.Map<JWTAuth, KeyPair> PAIRS = new java.util.IdentityHashMap<>();

  static KeyPair rsaOf(JWTAuth auth) {
    return PAIRS.get(auth);
  }
}
