package io.tokenlane.core.plugin;

/** A host class that a test plugin references, to check which copy of a class a plugin sees. */
public final class Shadowed {

  /** @return which copy of the class this is */
  public static String name() {
    return "host";
  }

  private Shadowed() {
  }
}
