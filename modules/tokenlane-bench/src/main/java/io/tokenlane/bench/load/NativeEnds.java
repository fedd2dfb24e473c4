package io.tokenlane.bench.load;

/** How a native stream's {@code end} event settles the run. */
final class NativeEnds {

  private NativeEnds() {
  }

  static void finish(RunningStream run, String reason) {
    if ("stop".equals(reason) || "length".equals(reason)) {
      run.complete();
    } else if ("cancelled".equals(reason) && run.cancelled()) {
      run.complete();
    } else {
      run.fail(reason == null ? "ended without an end event" : "end: " + reason);
    }
  }
}
