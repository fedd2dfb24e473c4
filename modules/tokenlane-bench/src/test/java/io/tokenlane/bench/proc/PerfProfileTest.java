package io.tokenlane.bench.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading {@code perf script -F comm,ip,sym,dso} output, as perf 6 writes it for a JVM and for nginx. */
class PerfProfileTest {

  private static final String SCRIPT = """
    vert.x-eventloo\s
    \tffffffff8226fbb9 _raw_spin_unlock_irqrestore ([kernel.kallsyms])
    \tffffffff81e84ade sock_def_readable ([kernel.kallsyms])
    \tffffffff81e80be0 __x64_sys_sendto ([kernel.kallsyms])
    \tffffffff8225bc41 do_syscall_64 ([kernel.kallsyms])
    \t          10aba4 __send (/usr/lib/x86_64-linux-gnu/libc.so.6)

    vert.x-eventloo\s
    \tffffffff813ae453 finish_task_switch.isra.0 ([kernel.kallsyms])
    \tffffffff82267204 __schedule ([kernel.kallsyms])
    \tffffffff8133a0b1 __x64_sys_epoll_pwait2 ([kernel.kallsyms])
    \t          12f0a1 epoll_pwait2 (/usr/lib/x86_64-linux-gnu/libc.so.6)

    vert.x-eventloo\s
    \tffffffff82061a10 tcp_recvmsg_locked ([kernel.kallsyms])
    \tffffffff81e80c00 __x64_sys_recvfrom ([kernel.kallsyms])

    vert.x-eventloo\s
    \tffffffff82061a10 net_rx_action ([kernel.kallsyms])
    \tffffffff8136979d handle_softirqs ([kernel.kallsyms])

    vert.x-eventloo\s
    \t    7f6cc505b02a io.netty.channel.ChannelHandlerContext io.netty.channel.AbstractChannelHandlerContext.fireChannelRead(java.lang.Object) (/tmp/perf-8845.map)
    \t    7f6cc50c0a7c void io.netty.handler.codec.ByteToMessageDecoder.channelRead(io.netty.channel.ChannelHandlerContext, java.lang.Object) (/tmp/perf-8845.map)

    vert.x-eventloo\s
    \t    7f6cc505b02a io.netty.channel.ChannelHandlerContext io.netty.channel.AbstractChannelHandlerContext.fireChannelRead(java.lang.Object) (/tmp/perf-8845.map)

    vert.x-eventloo\s
    \t    7f6cc5100000 void io.tokenlane.spi.SseParser.feed(byte[], int, int) (/tmp/perf-8845.map)
    \t    7f6cc4941260 Interpreter (/tmp/perf-8845.map)

    vert.x-eventloo\s
    \t    7f6cc4941260 Interpreter (/tmp/perf-8845.map)

    vert.x-eventloo\s
    \t    7f6cc5200000 void io.vertx.core.http.impl.HttpClientRequestBase$$Lambda$500/0x00007f6c60287778.handle(java.lang.Object) (/tmp/perf-8845.map)

    C2 CompilerThre\s
    \t    7f6cda000000 PhaseChaitin::Split+0x20 (/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so)

    GC Thread#0\s
    \t    7f6cda100000 G1ParScanThreadState::trim_queue_to_threshold+0x11 (/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so)

    node\s
    \t    3b2f0cd7cfc0 [unknown] (/tmp/perf-15637.map)

    nginx\s
    \t    556e0cd7cfc0 [unknown] (/usr/sbin/nginx)
    \t    556e0cd93fad [unknown] ([unknown])

    vert.x-eventloo\s
    \t    7ffd1e3f0a1c __vdso_clock_gettime+0xc ([vdso])

    nginx\s
    \tffffffff8206e6e0 tcp_sendmsg_locked ([kernel.kallsyms])
    \tffffffff81e7e26b sock_write_iter ([kernel.kallsyms])
    \tffffffff816d7945 do_writev ([kernel.kallsyms])
    \tffffffff8225bc41 do_syscall_64 ([kernel.kallsyms])
    \tffffffff81000130 entry_SYSCALL_64_after_hwframe ([kernel.kallsyms])
    \t           fde60 __GI___writev (/usr/lib/x86_64-linux-gnu/libc.so.6)
    \t    556e0cd7cfc0 [unknown] ([unknown])

    vert.x-eventloo\s
    \tffffffff813ae453 finish_task_switch.isra.0 ([kernel.kallsyms])
    \tffffffff82267db3 schedule ([kernel.kallsyms])
    \tffffffff81423941 exit_to_user_mode_loop ([kernel.kallsyms])
    \tffffffff8225be20 do_syscall_64 ([kernel.kallsyms])
    \tffffffff81000130 entry_SYSCALL_64_after_hwframe ([kernel.kallsyms])
    \t          10aba4 __send (/usr/lib/x86_64-linux-gnu/libc.so.6)

    vert.x-eventloo\s
    \tffffffff813ae453 finish_task_switch.isra.0 ([kernel.kallsyms])
    \tffffffff8225be20 do_syscall_64 ([kernel.kallsyms])
    \t          10aba4 __futex_abstimed_wait_common (/usr/lib/x86_64-linux-gnu/libc.so.6)

    vert.x-eventloo\s
    \t    7f6cd0001234 Java_io_netty_channel_epoll_Native_epollWait (/tmp/libnetty_transport_native_epoll_x86_64123.so (deleted))
    """;

  @Test
  void samplesGoToTheirSystemCallLibraryOrThread() throws IOException {
    PerfProfile profile = PerfProfile.parse(new StringReader(SCRIPT), 999);

    assertEquals(18, profile.samples());
    assertEquals(7, profile.kernelSamples());
    Map<String, Long> parts = profile.byPart();
    assertEquals(3L, parts.get(PerfProfile.KERNEL_SEND), "sendto; writev inlined into do_writev; preempted in a send");
    assertEquals(1L, parts.get(PerfProfile.KERNEL_OTHER_CALLS));
    assertEquals(1L, parts.get("Java: Netty (native transport)"), "a deleted library is still named");
    assertEquals(1L, parts.get(PerfProfile.KERNEL_EPOLL));
    assertEquals(1L, parts.get(PerfProfile.KERNEL_RECEIVE));
    assertEquals(1L, parts.get(PerfProfile.KERNEL_NO_CALL));
    assertEquals(2L, parts.get("Java: Netty"));
    assertEquals(1L, parts.get("Java: Tokenlane"));
    assertEquals(1L, parts.get(PerfProfile.JVM_RUNTIME), "the interpreter is the JVM's");
    assertEquals(1L, parts.get(PerfProfile.JIT));
    assertEquals(1L, parts.get(PerfProfile.GC));
    assertEquals(1L, parts.get("nginx"));
    assertEquals(1L, parts.get("JIT code the map does not name (V8's, in Node)"));
    assertEquals(1L, parts.get("Java: Vert.x"), "a lambda's hidden class is its package's");
    assertEquals(1L, parts.get("vDSO (clock reads)"));
    assertEquals("kernel:", parts.keySet().iterator().next().substring(0, 7), "the kernel's parts come first");
  }

  @Test
  void theHottestFunctionsAreUserSpaceLeavesNamedWithoutSignatures() throws IOException {
    PerfProfile profile = PerfProfile.parse(new StringReader(SCRIPT), 999);

    assertEquals(List.of(new PerfProfile.Part("(no symbol)", 2),
        new PerfProfile.Part("io.netty.channel.AbstractChannelHandlerContext.fireChannelRead", 2)),
      profile.topFunctions().subList(0, 2), "most samples first, ties by name");
    assertEquals(1L, profile.topFunctions().stream().filter(f -> f.name().equals("io.tokenlane.spi.SseParser.feed"))
      .mapToLong(PerfProfile.Part::samples).sum());
    assertEquals(0, profile.topFunctions().stream().filter(f -> f.name().contains("PhaseChaitin")).count(),
      "compiler and collector threads are parts of their own, not functions of the target's work");
    assertEquals(2.0 / 999, profile.cpuSeconds(2), 1e-12);
    assertEquals(1, profile.topFunctions().stream()
      .filter(f -> f.name().equals("io.vertx.core.http.impl.HttpClientRequestBase$$Lambda.handle")).count());
    assertEquals(0, profile.topFunctions().stream().filter(f -> f.name().equals("[unknown]")).count(),
      "nginx's and Node's unnamed code is named as such");
  }
}
