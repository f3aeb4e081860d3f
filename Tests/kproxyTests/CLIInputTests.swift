// What `kproxy` reads and how it says what is wrong with it: unreadable folders, config files,
// flags that contradict the config file, --bind-address, and the refusal to apply no Service.
import Foundation
import PacketTestSupport
import Testing

@Suite struct CLIInputTests {
  static let service = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  clusterIP: 10.96.0.5\n  ports: [{port: 80}]\n"

  /// A folder with one good manifest and a subfolder nobody but root may list.
  @Test func anUnreadableFolderIsAnErrorNotAnOmission() throws {
    let good = try CLITests.tempFile(Self.service, name: "web.yaml")
    let folder = (good as NSString).deletingLastPathComponent
    let locked = folder + "/locked"
    try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: true)
    try Self.service.replacingOccurrences(of: "web", with: "api").write(toFile: locked + "/api.yaml", atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: locked)
    defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked) }
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder)
    // Root may list any folder, so kproxy runs as nobody then (setpriv drops the privileges).
    // The binary is copied to a world-readable place: the checkout's folders may not be.
    var binary = try PacketTestPaths.kproxyBinary()
    if getuid() == 0 {
      let copy = folder + "/bin/kproxy"
      try FileManager.default.createDirectory(atPath: folder + "/bin", withIntermediateDirectories: true)
      try FileManager.default.copyItem(atPath: binary, toPath: copy)
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder + "/bin")
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy)
      binary = copy
    }
    var command = [binary, "compile", "--manifests", folder]
    if getuid() == 0 { command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] + command }
    let r = try Command.run(command, timeout: 60)
    #expect(r.status == 2)
    #expect(r.stdout.isEmpty)
    #expect(r.stderr == "kproxy: error: \(locked): cannot list the folder: permission denied\n", "\(r.stderr)")
  }

  @Test func aFIFOInAFolderIsSkippedWithAWarningInsteadOfHanging() throws {
    let good = try CLITests.tempFile(Self.service, name: "web.yaml")
    let folder = (good as NSString).deletingLastPathComponent
    #expect(mkfifo(folder + "/stuck.yaml", 0o600) == 0)
    let r = try Command.run([try PacketTestPaths.kproxyBinary(), "compile", "--manifests", folder], timeout: 20)
    #expect(!r.timedOut)
    #expect(r.status == 0)
    #expect(r.stderr.contains("kproxy: warning: \(folder)/stuck.yaml: skipped: not a regular file (a FIFO)\n"), "\(r.stderr)")
    #expect(r.stdout.contains("10.96.0.5 . tcp . 80"))
  }

  @Test func processSubstitutionIsRead() throws {
    let file = try CLITests.tempFile(Self.service)
    let r = try Command.run(["bash", "-c", "exec \"$0\" compile --manifests <(cat \"$1\")", try PacketTestPaths.kproxyBinary(), file])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("10.96.0.5 . tcp . 80"))
  }

  @Test func theSamePathTwiceIsNotADuplicateOfItself() throws {
    let file = try CLITests.tempFile(Self.service)
    let r = try CLITests.kproxy(["compile", "--manifests", file, "--manifests", file])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.isEmpty)
  }

  @Test(arguments: [
    ("/nonexistent/config.yaml", "kproxy: error: /nonexistent/config.yaml: no such file or directory\n"),
    ("/", "kproxy: error: /: cannot read: is a directory\n"),
  ])
  func configReadErrorsSayPathAndReason(path: String, expected: String) throws {
    let r = try CLITests.kproxy(["compile", "--config", path])
    #expect(r.status == 2)
    #expect(r.stderr == expected, "\(r.stderr)")
  }

  @Test func aFlagThatContradictsTheConfigFileIsWarnedAbout() throws {
    let r = try CLITests.kproxy(
      ["compile", "--cluster-cidr", "10.0.0.0/8", "--hostname-override", "node-a", "--nodeport-addresses", "192.168.0.0/16"] + CLITests.demo
    )
    #expect(r.status == 0)
    let config = CLITests.root + "/fixtures/demo/config.yaml"
    #expect(
      r.stderr.contains(
        "kproxy: warning: --cluster-cidr 10.0.0.0/8 overrides clusterCIDR: 10.244.0.0/16 of \(config) (flags take precedence over the config file)\n"
      ), "\(r.stderr)")
    // The same value in both places is no contradiction.
    #expect(!r.stderr.contains("--hostname-override"), "\(r.stderr)")
  }

  @Test func bindAddressIsThePrimaryNodeIPAsInKubeProxy() throws {
    let r = try CLITests.kproxy(["compile", "-v", "--bind-address", "192.168.7.7"] + CLITests.demo)
    #expect(r.status == 0)
    #expect(r.stderr.contains("node IPs [192.168.7.7, 192.168.1.10]"), "\(r.stderr)")
    let unspecified = try CLITests.kproxy(["compile", "-v", "--bind-address", "0.0.0.0"] + CLITests.demo)
    #expect(unspecified.stderr.contains("node IPs [192.168.1.10]"), "\(unspecified.stderr)")
    let bad = try CLITests.kproxy(["compile", "--bind-address", "nope"])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("--bind-address: \"nope\" is not a valid IP address"))
  }

  @Test func configFileBindAddressActsLikeTheFlag() throws {
    let config = try CLITests.tempFile(
      "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nbindAddress: 192.168.7.8\n", name: "c.yaml")
    let manifests = CLITests.demo.drop { $0 != "--manifests" }
    let r = try CLITests.kproxy(["compile", "-v", "--config", config] + manifests)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("node IPs [192.168.7.8"), "\(r.stderr)")
    let both = try CLITests.kproxy(["compile", "-v", "--config", config, "--bind-address", "192.168.7.9"] + manifests)
    #expect(both.stderr.contains("node IPs [192.168.7.9"), "\(both.stderr)")
    #expect(both.stderr.contains("--bind-address 192.168.7.9 overrides bindAddress: 192.168.7.8 of \(config)"), "\(both.stderr)")
  }

  @Test(arguments: [[String](), ["--manifests", "EMPTY"]])
  func applyRefusesInputWithoutServices(manifests: [String]) throws {
    let empty = try CLITests.tempFile("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    let args = ["apply", "--netns", "/nonexistent-netns"] + manifests.map { $0 == "EMPTY" ? empty : $0 }
    let r = try CLITests.kproxy(args)
    #expect(r.status == 2)
    let source = manifests.isEmpty ? "no --manifests given" : "no Service in \(empty)"
    #expect(
      r.stderr
        == "kproxy: error: \(source): applying would delete every service's rules; nothing was changed (pass --allow-empty to do it on purpose, or run `kproxy cleanup` to remove kproxy's tables)\n",
      "\(r.stderr)")
    // With --allow-empty the input is accepted and the next step (the namespace) fails.
    let allowed = try CLITests.kproxy(args + ["--allow-empty"])
    #expect(allowed.stderr.contains("network namespace /nonexistent-netns not found"), "\(allowed.stderr)")
  }

  @Test(arguments: [
    (["apply", "--netns", "/etc/hostname"], "kproxy: error: /etc/hostname is not a network namespace\n"),
    (["cleanup", "--netns", "/proc/self/ns/mnt"], "kproxy: error: /proc/self/ns/mnt is not a network namespace\n"),
    (["cleanup", "--netns", "/"], "kproxy: error: / is not a network namespace\n"),
  ])
  func somethingElseThanANetworkNamespaceIsNamedAsSuch(args: [String], expected: String) throws {
    let r = try CLITests.kproxy(args + (args[0] == "apply" ? CLITests.demo : []))
    #expect(r.status == 2)
    #expect(r.stderr.hasSuffix(expected), "\(r.stderr)")
  }

  @Test func anEmptyNetnsIsAUsageError() throws {
    let r = try CLITests.kproxy(["cleanup", "--netns", ""])
    #expect(r.status == 2)
    #expect(r.stderr.hasPrefix("Error: --netns: \"\" is not a network namespace"), "\(r.stderr)")
  }

  @Test(arguments: ["compile", "diff", "apply", "cleanup"])
  func everyCommandTakesVerboseAndStatesItsDefaults(command: String) throws {
    var r = try CLITests.kproxy([command, "--help"])
    r.stdout = r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    #expect(r.stdout.contains("-v, --verbose"), "\(command)")
    if command == "apply" || command == "cleanup" {
      #expect(r.stdout.contains("Default: the current network namespace"))
      #expect(r.stdout.components(separatedBy: "default: netlink").count == 2, "backend default once")
      #expect(!r.stdout.contains("the default"), "\(r.stdout)")
    }
    if command != "cleanup" {
      #expect(r.stdout.contains("--bind-address"))
      #expect(r.stdout.contains("Each flag given overrides the file's value"))
    }
    if command == "compile" || command == "apply" { #expect(r.stdout.contains("Default: none")) }
    if command == "diff" { #expect(r.stdout.contains("'-' reads standard input")) }
  }

  @Test func diffReadsOneSideFromStandardInput() throws {
    let file = try CLITests.tempFile(Self.service)
    let bin = try PacketTestPaths.kproxyBinary()
    let same = try Command.run(["sh", "-c", "exec \"$0\" diff --from - --to \"$1\" < \"$1\"", bin, file])
    #expect(same.status == 0, "\(same.stderr)")
    #expect(same.stdout.isEmpty)
    let both = try Command.run(["sh", "-c", "exec \"$0\" diff --from - --to - < \"$1\"", bin, file])
    #expect(both.status == 2)
    #expect(both.stderr.hasPrefix("Error: standard input ('-') can be read once"), "\(both.stderr)")
  }
}
