package io.tokenlane.server;

import java.util.List;

/**
 * The configuration cannot run; carries one message per problem.
 */
public final class ConfigurationException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  /**
   * Creates the exception.
   *
   * @param problems the problems, at least one
   */
  public ConfigurationException(List<String> problems) {
    super("invalid configuration:\n  - " + String.join("\n  - ", problems), null, false, false);
    this.problems = List.copyOf(problems);
  }

  /** @return one message per problem */
  public List<String> problems() {
    return problems;
  }
}
