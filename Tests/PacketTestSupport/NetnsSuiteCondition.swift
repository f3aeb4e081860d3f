// The condition every packet-test suite carries: run, except on an unprivileged machine whose
// developer set KPROXY_SKIP_NETNS=1 (as root the tests always run; CI never sets it).
import Testing

extension Trait where Self == ConditionTrait {
  public static var packetTestsEnabled: Self {
    .enabled(if: PacketTestPrerequisites.shouldRun, "KPROXY_SKIP_NETNS=1 on an unprivileged machine")
  }
}
