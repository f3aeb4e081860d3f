// The `kproxy` command line as users see it: exit statuses (0, 1 for diff, 2 on error),
// nothing on stdout on error, errors naming file/document/object/field, help for every command.
import Foundation
import PacketTestSupport
import Testing

@Suite struct CLITests {
  static let root = PacketTestPaths.packageRoot.path
  static let demo = ["--config", root + "/fixtures/demo/config.yaml", "--manifests", root + "/fixtures/demo/manifests"]

  static func kproxy(_ args: [String]) throws -> CommandResult {
    try Command.run([try PacketTestPaths.kproxyBinary()] + args, timeout: 60)
  }

  static func tempFile(_ text: String, name: String = "input.yaml") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kp-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
  }

  @Test func compileDemoPrintsTheGoldenScript() throws {
    let r = try Self.kproxy(["compile"] + Self.demo)
    #expect(r.status == 0)
    #expect(r.stderr.isEmpty)
    let golden = try String(contentsOfFile: Self.root + "/fixtures/demo/expected.nft", encoding: .utf8)
    #expect(r.stdout == golden)
  }

  /// Bad input of every kind: exit 2, exactly one message on stderr naming the file, document,
  /// object and field, and nothing on stdout.
  @Test(arguments: [
    (
      "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports:\n  - {port: 80}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: prod}\nspec:\n  ports:\n  - {name: a, port: 80}\n  - {name: b, port: 70000}\n",
      " doc 2 (prod/api): spec.ports[1].port: 70000 is not a valid port (must be 1-65535)"
    ),
    (
      "apiVersion: v1\nkind: Service\nmetadata: {name: \"web; flush ruleset\"}\nspec:\n  ports: [{port: 80}]\n",
      " doc 1: metadata.name: \"web; flush ruleset\" is not a valid name (DNS-1035 label): must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit"
    ),
    (
      "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  clusterIP: 10.96.0.300\n  ports: [{port: 80}]\n",
      " doc 1 (default/web): spec.clusterIP: \"10.96.0.300\" is not a valid IP address"
    ),
    (
      "apiVersion: v1\nkind: Service\nmetadata: {name: web\n",
      " doc 1: invalid YAML at line 4 column 1: did not find expected ',' or '}' (while parsing a flow mapping)"
    ),
    (
      "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nendpoints:\n- addresses: [\"fd00::1\"]\nports: []\n",
      " doc 1 (default/s): endpoints[0].addresses[0]: fd00::1 is IPv6 but addressType is IPv4"
    ),
    (
      "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: \"80\"}]\n",
      " doc 1 (default/web): spec.ports[0].port: expected an integer, got string \"80\""
    ),
    (
      "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80, protocol: ICMP}]\n",
      " doc 1 (default/web): spec.ports[0].protocol: \"ICMP\" is not supported (must be one of \"TCP\", \"UDP\", \"SCTP\")"
    ),
    (
      "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec:\n  ports: [{port: 81}]\n",
      " doc 2 (default/web): duplicate Service, first defined in FILE doc 1"
    ),
    ("kind: Service\nmetadata: {name: web}\n", " doc 1: apiVersion: required field is missing"),
  ])
  func badManifestFailsCleanly(manifest: String, expectedAfterPath: String) throws {
    let path = try Self.tempFile(manifest)
    let r = try Self.kproxy(["compile", "--manifests", path])
    #expect(r.status == 2)
    #expect(r.stdout.isEmpty)
    let expected = "kproxy: error: \(path)" + expectedAfterPath.replacingOccurrences(of: "FILE", with: path) + "\n"
    #expect(r.stderr == expected)
  }

  @Test func hugeFileIsRefusedUnparsed() throws {
    // A sparse file just over the 512 MiB limit: refused from its size (fstat), unread.
    let path = try Self.tempFile("")
    let handle = try #require(FileHandle(forWritingAtPath: path))
    try handle.truncate(atOffset: UInt64(512 * 1024 * 1024 + 1))
    try handle.close()
    let r = try Self.kproxy(["compile", "--manifests", path])
    #expect(r.status == 2)
    #expect(r.stdout.isEmpty)
    #expect(r.stderr == "kproxy: error: \(path): file is larger than the limit of 512 MiB\n", "\(r.stderr)")
  }

  @Test(arguments: [
    (["compile", "--node-ip", "10.0.0.256"], "--node-ip: \"10.0.0.256\" is not a valid IP address"),
    (["compile", "--cluster-cidr", "10.0.0.0/8,fd00::/129"], "--cluster-cidr: \"fd00::/129\" is not a valid CIDR"),
    (["compile", "--hostname-override", "Bad_Name"], "--hostname-override"),
    (["compile", "--manifests", "/nonexistent/kproxy"], "/nonexistent/kproxy: no such file or directory"),
    (["compile", "--config", "/nonexistent/config.yaml"], "/nonexistent/config.yaml: no such file or directory"),
    (["compile", "--no-such-flag"], "Unknown option '--no-such-flag'"),
    (["frobnicate"], "frobnicate"),
  ])
  func badArgumentsFailCleanly(args: [String], expectedFragment: String) throws {
    let r = try Self.kproxy(args)
    #expect(r.status == 2)
    #expect(r.stdout.isEmpty)
    #expect(r.stderr.contains(expectedFragment), "\(r.stderr)")
  }

  @Test func diffExitStatusSaysWhetherStatesDiffer() throws {
    let same = try Self.kproxy([
      "diff", "--from", Self.root + "/fixtures/demo/manifests", "--to", Self.root + "/fixtures/demo/manifests", "--config",
      Self.root + "/fixtures/demo/config.yaml",
    ])
    #expect(same.status == 0)
    #expect(same.stdout.isEmpty)
    let changed = try Self.kproxy([
      "diff", "--from", Self.root + "/fixtures/demo/manifests", "--to", Self.root + "/fixtures/session-affinity/manifests", "--config",
      Self.root + "/fixtures/demo/config.yaml",
    ])
    #expect(changed.status == 1)
    #expect(changed.stdout.contains("add set ip kproxy affinity-"))
    #expect(changed.stdout.contains("delete chain ip kproxy service-"))
    let broken = try Self.kproxy(["diff", "--from", Self.root + "/fixtures/demo/manifests", "--to", "/nonexistent"])
    #expect(broken.status == 2)
    #expect(broken.stdout.isEmpty)
  }

  @Test(arguments: [["--help"], ["compile", "--help"], ["diff", "--help"], ["help", "compile"]])
  func helpExplainsEveryOption(args: [String]) throws {
    let r = try Self.kproxy(args)
    #expect(r.status == 0)
    for option in [
      "--manifests", "--hostname-override", "--node-ip", "--cluster-cidr", "--service-cidr", "--nodeport-addresses", "--masquerade-all",
      "--config",
    ]
    where args.contains("compile") {
      #expect(r.stdout.contains(option), "help lacks \(option)")
    }
    #expect(!r.stdout.isEmpty)
  }

  @Test func warningsGoToStderrAndOutputStaysValid() throws {
    let r = try Self.kproxy([
      "compile", "--config", Self.root + "/fixtures/externalips/config.yaml", "--manifests", Self.root + "/fixtures/externalips/manifests",
    ])
    #expect(r.status == 0)
    #expect(
      r.stderr.contains(
        "kproxy: warning: externalIP 192.0.2.10:8443/TCP of ops/squatter:tcp is already the externalIP of ops/legacy:tcp: ops/legacy:tcp wins (the smaller name), ops/squatter:tcp does not get it\n"
      ))
    #expect(r.stdout.hasPrefix("add table ip kproxy\n"))
  }

  @Test func verboseCountsObjectsAndIgnoredKinds() throws {
    let path = try Self.tempFile(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  clusterIP: 10.96.0.5\n  ports: [{port: 80}]\n"
    )
    let r = try Self.kproxy(["compile", "-v", "--hostname-override", "n1", "--manifests", path])
    #expect(r.status == 0)
    #expect(
      r.stderr.contains(
        "kproxy: debug: read 1 services, 0 endpointslices, 0 pods, 0 nodes, 0 servicecidrs; ignored 1 object: 1 of kinds kproxy does not read (ConfigMap)"
      ),
      "\(r.stderr)")
    #expect(r.stdout.contains("10.96.0.5 . tcp . 80 comment \"default/web\" : goto reject-chain"))
  }
}
