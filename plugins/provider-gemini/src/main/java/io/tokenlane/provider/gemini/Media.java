package io.tokenlane.provider.gemini;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;

/**
 * Turns OpenAI's media content parts into Gemini parts: a {@code data:} URL becomes {@code inlineData}, an
 * {@code http(s)://} or {@code gs://} URL becomes {@code fileData} with a media type guessed from the file
 * extension ({@code image/*} when there is none to go by). Gemini fetches such a URL itself.
 */
final class Media {

  private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
    Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
    Map.entry("webp", "image/webp"), Map.entry("gif", "image/gif"), Map.entry("heic", "image/heic"),
    Map.entry("heif", "image/heif"), Map.entry("pdf", "application/pdf"));
  static final String ANY_IMAGE = "image/*";

  private Media() {
  }

  /** OpenAI's {@code image_url} value: {@code {"url": ..., "detail": ...}}, or the URL alone. */
  static JsonObject image(Object imageUrl, String where) {
    Object url = imageUrl instanceof JsonObject object ? object.getValue("url") : imageUrl;
    if (!(url instanceof String text) || text.isBlank()) {
      throw new RequestMapper.Unsupported(where + ".image_url.url is missing");
    }
    if (text.regionMatches(true, 0, "data:", 0, 5)) {
      return dataUrl(text, where);
    }
    return fileUrl(text.strip(), where);
  }

  /** OpenAI's {@code input_audio}: base64 {@code data} and a {@code format} such as {@code wav} or {@code mp3}. */
  static JsonObject audio(Object inputAudio, String where) {
    if (!(inputAudio instanceof JsonObject audio) || !(audio.getValue("data") instanceof String data)
      || !(audio.getValue("format") instanceof String format) || !format.matches("[a-z0-9.+-]+")) {
      throw new RequestMapper.Unsupported(where + ".input_audio needs base64 data and a format such as wav");
    }
    return inline("audio/" + format, data);
  }

  private static JsonObject dataUrl(String url, String where) {
    int comma = url.indexOf(',');
    String header = comma < 0 ? "" : url.substring(5, comma);
    if (comma < 0 || !header.toLowerCase(Locale.ROOT).endsWith(";base64")) {
      throw new RequestMapper.Unsupported(where + ": a data: URL must be base64, as data:image/png;base64,...");
    }
    String mimeType = header.substring(0, header.length() - ";base64".length()).strip();
    if (mimeType.isEmpty()) {
      throw new RequestMapper.Unsupported(where + ": a data: URL must name its media type, as data:image/png;base64,...");
    }
    return inline(mimeType, url.substring(comma + 1));
  }

  private static JsonObject inline(String mimeType, String base64) {
    return new JsonObject().put("inlineData", new JsonObject().put("mimeType", mimeType).put("data", base64));
  }

  private static JsonObject fileUrl(String url, String where) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new RequestMapper.Unsupported(where + ".image_url.url is not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http") && !scheme.equals("gs")) {
      throw new RequestMapper.Unsupported(where + ".image_url.url must be a data:, https:, http: or gs: URL");
    }
    return new JsonObject().put("fileData", new JsonObject().put("mimeType", guess(uri.getPath())).put("fileUri", url));
  }

  static String guess(String path) {
    if (path == null) {
      return ANY_IMAGE;
    }
    int dot = path.lastIndexOf('.');
    if (dot < 0 || dot < path.lastIndexOf('/')) {
      return ANY_IMAGE;
    }
    return BY_EXTENSION.getOrDefault(path.substring(dot + 1).toLowerCase(Locale.ROOT), ANY_IMAGE);
  }
}
