// Whether kernel tests (network namespaces, nftables) run here, as a Swift Testing condition:
// suites that need the kernel carry `.kernelTests` and are reported as skipped, never as passed.
import Foundation
import Testing

public enum KernelTestCondition {
  /// Skipped only on an unprivileged machine whose developer set KPROXY_SKIP_NETNS=1. As root
  /// the tests always run (CI is root and never sets it); without root and without the
  /// variable they run and fail with a message that says what they need.
  public static var enabled: Bool {
    getuid() == 0 || ProcessInfo.processInfo.environment["KPROXY_SKIP_NETNS"] != "1"
  }

  /// Writing to a child that already exited (a failed `ip netns exec`) must fail the test with
  /// the child's error, not kill the test process with SIGPIPE.
  public static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()
}

extension Trait where Self == ConditionTrait {
  /// Runs the test or suite only where kernel tests are enabled (see `KernelTestCondition`).
  public static var kernelTests: Self {
    .enabled(if: KernelTestCondition.enabled, "KPROXY_SKIP_NETNS=1 on an unprivileged machine")
  }
}
