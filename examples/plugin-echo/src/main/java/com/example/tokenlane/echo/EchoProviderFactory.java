package com.example.tokenlane.echo;

import io.tokenlane.spi.ConfigField;
import io.tokenlane.spi.ConfigSchema;
import io.tokenlane.spi.ProviderContext;
import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.spi.ProviderVerticle;
import io.tokenlane.spi.SpiVersion;

/**
 * The entry point of the echo plugin, listed in {@code META-INF/services/io.tokenlane.spi.ProviderFactory}.
 *
 * <p>An echo provider streams the last user message back: the {@code prefix}, then the message's words one
 * text chunk at a time, upper-cased when {@code uppercase} is set. Created by the gateway with the public no-arg
 * constructor on the thread that starts it; holds no state.
 */
public final class EchoProviderFactory implements ProviderFactory {

  /** The plugin id: what a provider's {@code type:} names. */
  public static final String ID = "echo";

  private static final ConfigSchema SCHEMA = ConfigSchema.of(
    ConfigField.string("prefix").defaultValue("echo: ")
      .description("text streamed before the first echoed word"),
    ConfigField.integer("delayMs").defaultValue(0L).min(0)
      .description("pause between two words, in milliseconds"),
    ConfigField.bool("uppercase").defaultValue(false)
      .description("upper-case the echoed words (not the prefix)"));

  @Override
  public String id() {
    return ID;
  }

  @Override
  public String spiVersion() {
    // A compile-time constant: javac copies the SPI version this jar was built against into it.
    return SpiVersion.CURRENT;
  }

  @Override
  public ConfigSchema configSchema() {
    return SCHEMA;
  }

  @Override
  public String description() {
    return "echoes the last user message, word by word";
  }

  @Override
  public ProviderVerticle create(ProviderContext context) {
    return new EchoProviderVerticle(EchoConfig.from(context.config()));
  }
}
