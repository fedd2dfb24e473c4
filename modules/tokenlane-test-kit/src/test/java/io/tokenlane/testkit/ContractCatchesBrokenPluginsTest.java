package io.tokenlane.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.tokenlane.spi.ProviderFactory;
import io.tokenlane.testkit.ScriptedProviderFactory.Misbehaviour;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs the contract test against plugins that each break one rule, and checks that exactly the tests about
 * that rule fail: a contract test that cannot fail would prove nothing.
 */
class ContractCatchesBrokenPluginsTest {

  @Test
  void textAfterCancelFailsTheCancelTests() {
    assertEquals(Set.of("cancellingMidStreamStopsAllSinkCallsAndClosesTheUpstream",
      "cancellingOneStreamLeavesAConcurrentOneRunning"), failedTests(TextAfterCancel.class));
  }

  @Test
  void aSecondEndFailsEveryTestThatStreamsToTheEnd() {
    assertEquals(Set.of("aPromptStreamsTextAndEndsWithExactlyOneEnd",
      "twoConcurrentPromptsOnOneVerticleBothCompleteIndependently",
      "cancellingOneStreamLeavesAConcurrentOneRunning",
      "pausesWhileTheWriteQueueIsFullAndFinishesAfterDrain"), failedTests(DoubleEnd.class));
  }

  @Test
  void ignoringAFullWriteQueueFailsTheBackpressureTestOnlyWhenClaimed() {
    assertEquals(Set.of("pausesWhileTheWriteQueueIsFullAndFinishesAfterDrain"),
      failedTests(IgnoresBackpressure.class));
  }

  @Test
  void sinkCallsOffTheEventLoopFailEveryStreamingTest() {
    assertEquals(Set.of("aPromptStreamsTextAndEndsWithExactlyOneEnd",
      "cancellingMidStreamStopsAllSinkCallsAndClosesTheUpstream",
      "twoConcurrentPromptsOnOneVerticleBothCompleteIndependently",
      "cancellingOneStreamLeavesAConcurrentOneRunning",
      "pausesWhileTheWriteQueueIsFullAndFinishesAfterDrain"), failedTests(OffEventLoop.class));
  }

  @Test
  void anUpperCaseIdFailsTheIdTest() {
    assertEquals(Set.of("idIsLowerCaseLettersDigitsAndDashes"), failedTests(UpperCaseId.class));
  }

  private static Set<String> failedTests(Class<?> testClass) {
    Set<String> failed = new TreeSet<>();
    TestExecutionListener listener = new TestExecutionListener() {
      @Override
      public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.FAILED
            && test.getSource().orElse(null) instanceof MethodSource method) {
          failed.add(method.getMethodName());
        }
      }
    };
    LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
      .selectors(selectClass(testClass)).build(), listener);
    return failed;
  }

  static class TextAfterCancel extends ScriptedProviderContractTest {
    @Override
    protected ProviderFactory factory() {
      return new ScriptedProviderFactory(Misbehaviour.TEXT_AFTER_CANCEL);
    }
  }

  static class DoubleEnd extends ScriptedProviderContractTest {
    @Override
    protected ProviderFactory factory() {
      return new ScriptedProviderFactory(Misbehaviour.DOUBLE_END);
    }
  }

  static class IgnoresBackpressure extends ScriptedProviderContractTest {
    @Override
    protected ProviderFactory factory() {
      return new ScriptedProviderFactory(Misbehaviour.IGNORE_BACKPRESSURE);
    }
  }

  static class OffEventLoop extends ScriptedProviderContractTest {
    @Override
    protected ProviderFactory factory() {
      return new ScriptedProviderFactory(Misbehaviour.OFF_EVENT_LOOP);
    }
  }

  static class UpperCaseId extends ScriptedProviderContractTest {
    @Override
    protected ProviderFactory factory() {
      return new ScriptedProviderFactory(Misbehaviour.NONE) {
        @Override
        public String id() {
          return "Scripted_Provider";
        }
      };
    }
  }
}
