// ManifestLoader: folder recursion and ordering, file types, symbolic links, duplicate objects
// across and within files, files reached twice, and errors for missing or unreadable paths.
import Foundation
import KubeAPI
import KubeSource
import Testing

@Suite struct ManifestLoaderTests {
  static func service(_ name: String, namespace: String = "default") -> String {
    "apiVersion: v1\nkind: Service\nmetadata: {name: \(name), namespace: \(namespace)}\nspec: {ports: [{port: 80}]}\n"
  }

  @Test func foldersAreReadRecursivelyInPathOrder() throws {
    let folder = try TemporaryFolder()
    try folder.write("b.yaml", Self.service("b"))
    try folder.write("a/z.yml", Self.service("az"))
    try folder.write("a/c.json", #"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ac"}, "spec": {"ports": [{"port": 80}]}}"#)
    try folder.write("a/notes.txt", "not a manifest")
    try folder.write(".hidden/x.yaml", Self.service("hidden"))
    try folder.write("..data/y.yaml", Self.service("configmap-link"))
    try folder.write("c.YAML", Self.service("upper-extension"))
    try folder.write("d.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    let set = try ManifestLoader().load(paths: [folder.path])
    #expect(set.services.map(\.meta.name) == ["ac", "az", "b", "upper-extension"])
    #expect(set.ignoredCount == 1)
  }

  @Test func symbolicLinkLoopsAndConfigMapMountsAreReadOnce() throws {
    let folder = try TemporaryFolder()
    try folder.write("..2024_01_01/web.yaml", Self.service("web"))
    try FileManager.default.createSymbolicLink(atPath: folder.path + "/..data", withDestinationPath: "..2024_01_01")
    try FileManager.default.createSymbolicLink(atPath: folder.path + "/web.yaml", withDestinationPath: "..data/web.yaml")
    try FileManager.default.createDirectory(atPath: folder.path + "/sub", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: folder.path + "/sub/up", withDestinationPath: "..")
    let set = try ManifestLoader().load(paths: [folder.path])
    #expect(set.services.map(\.meta.name) == ["web"])
  }

  @Test func explicitFilesKeepTheGivenOrder() throws {
    let folder = try TemporaryFolder()
    let second = try folder.write("2.yaml", Self.service("two"))
    let first = try folder.write("1.yaml", Self.service("one"))
    let set = try ManifestLoader().load(paths: [second, first])
    #expect(set.services.map(\.meta.name) == ["two", "one"])
  }

  @Test func duplicateAcrossFilesNamesBothPlaces() throws {
    let folder = try TemporaryFolder()
    let a = try folder.write("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n" + Self.service("web"))
    let b = try folder.write("b.yaml", Self.service("web"))
    #expect {
      try ManifestLoader().load(paths: [a, b])
    } throws: { error in
      (error as? ManifestError)?.description == "\(b) doc 1 (default/web): duplicate Service, first defined in \(a) doc 2"
    }
  }

  @Test func duplicateInsideAListNamesTheItems() throws {
    let folder = try TemporaryFolder()
    let list = """
      {"apiVersion": "v1", "kind": "ServiceList", "items": [
        {"metadata": {"name": "web", "namespace": "shop"}, "spec": {"ports": [{"port": 80}]}},
        {"metadata": {"name": "api", "namespace": "shop"}, "spec": {"ports": [{"port": 80}]}},
        {"metadata": {"name": "web", "namespace": "shop"}, "spec": {"ports": [{"port": 81}]}}
      ]}
      """
    let file = try folder.write("list.json", list)
    #expect {
      try ManifestLoader().load(paths: [file])
    } throws: { error in
      (error as? ManifestError)?.description
        == "\(file) doc 1 (shop/web): items[2]: duplicate Service, first defined in \(file) doc 1 items[0]"
    }
  }

  @Test func sameNameInOtherNamespaceOrKindIsNotADuplicate() throws {
    let folder = try TemporaryFolder()
    try folder.write("a.yaml", Self.service("web") + "---\n" + Self.service("web", namespace: "other"))
    try folder.write("b.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n")
    let set = try ManifestLoader().load(paths: [folder.path])
    #expect(set.services.count == 2)
    #expect(set.pods.count == 1)
  }

  @Test func missingPathIsReported() throws {
    let folder = try TemporaryFolder()
    let missing = folder.path + "/nope.yaml"
    #expect {
      try ManifestLoader().load(paths: [missing])
    } throws: { error in
      (error as? ManifestError) == ManifestError(file: missing, message: "no such file or directory")
    }
  }

  @Test func pathThroughAFileReportsTheErrnoText() throws {
    let folder = try TemporaryFolder()
    let file = try folder.write("a.yaml", Self.service("web"))
    #expect {
      try ManifestLoader().load(paths: [file + "/b.yaml"])
    } throws: { error in
      (error as? ManifestError)?.description == "\(file)/b.yaml: not a directory"
    }
  }

  // Root reads any file, so as root this reports skipped; CLIInputTests checks unreadable
  // input as an unprivileged user (setpriv) in every run.
  @Test(.enabled(if: getuid() != 0, "root can read any file"))
  func unreadableFileReportsTheErrnoText() throws {
    let folder = try TemporaryFolder()
    let file = try folder.write("secret.yaml", Self.service("web"))
    try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: file)
    #expect {
      try ManifestLoader().load(paths: [file])
    } throws: { error in
      (error as? ManifestError)?.description == "\(file): permission denied"
    }
  }

  @Test func decodingErrorsCarryThePathOfTheFile() throws {
    let folder = try TemporaryFolder()
    try folder.write("sub/bad.yml", Self.service("web").replacingOccurrences(of: "port: 80", with: "port: 0"))
    #expect {
      try ManifestLoader().load(paths: [folder.path + "/"])
    } throws: { error in
      (error as? ManifestError)?.description
        == "\(folder.path)/sub/bad.yml doc 1 (default/web): spec.ports[0].port: 0 is not a valid port (must be 1-65535)"
    }
  }

  @Test func invalidUTF8IsRejected() throws {
    let folder = try TemporaryFolder()
    let file = folder.path + "/latin1.yaml"
    try Data([0x6B, 0x69, 0x6E, 0x64, 0x3A, 0x20, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: file))
    #expect {
      try ManifestLoader().load(paths: [file])
    } throws: { error in
      (error as? ManifestError)?.description == "\(file): file is not valid UTF-8 text"
    }
  }

  /// A folder entry that cannot be examined is an error naming it: reading the rest would
  /// drop its services silently (and `apply` would delete their rules).
  @Test(arguments: [
    ("dangling.yaml", "no-such-target.yaml", "no such file or directory"), ("loop.yaml", "loop.yaml", "too many levels of symbolic links"),
  ])
  func brokenSymbolicLinkInAFolderIsAnError(link: String, target: String, reason: String) throws {
    let folder = try TemporaryFolder()
    try folder.write("good.yaml", Self.service("good"))
    try FileManager.default.createDirectory(atPath: folder.path + "/sub", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: folder.path + "/sub/" + link, withDestinationPath: target)
    #expect {
      try ManifestLoader().load(paths: [folder.path])
    } throws: { error in
      (error as? ManifestError)?.description == "\(folder.path)/sub/\(link): \(reason)"
    }
  }

  @Test func fifosAndDevicesInAFolderAreSkippedWithAWarning() throws {
    let folder = try TemporaryFolder()
    try folder.write("good.yaml", Self.service("good"))
    #expect(mkfifo(folder.path + "/pipe.yaml", 0o600) == 0)
    try FileManager.default.createSymbolicLink(atPath: folder.path + "/null.json", withDestinationPath: "/dev/null")
    #expect(mkfifo(folder.path + "/pipe.txt", 0o600) == 0)  // not a manifest name: not mentioned
    var warnings: [String] = []
    let set = try ManifestLoader().load(paths: [folder.path], warnings: &warnings)
    #expect(set.services.map(\.meta.name) == ["good"])
    #expect(
      warnings == [
        "\(folder.path)/null.json: skipped: not a regular file (a character device)",
        "\(folder.path)/pipe.yaml: skipped: not a regular file (a FIFO)",
      ])
  }

  @Test func aFIFONamedExplicitlyIsRead() throws {
    // Process substitution (`--manifests <(kubectl get …)`) hands kproxy a pipe by name.
    let folder = try TemporaryFolder()
    let fifo = folder.path + "/input"
    #expect(mkfifo(fifo, 0o600) == 0)
    let text = Self.service("piped")
    let writer = Thread {
      if let handle = FileHandle(forWritingAtPath: fifo) {
        handle.write(Data(text.utf8))
        try? handle.close()
      }
    }
    writer.start()
    let set = try ManifestLoader().load(paths: [fifo])
    #expect(set.services.map(\.meta.name) == ["piped"])
  }

  @Test func theSameFileReachedTwiceIsReadOnce() throws {
    let folder = try TemporaryFolder()
    let file = try folder.write("sub/web.yaml", Self.service("web"))
    try FileManager.default.createSymbolicLink(atPath: folder.path + "/alias.yaml", withDestinationPath: "sub/web.yaml")
    let set = try ManifestLoader().load(paths: [file, file, folder.path, folder.path + "/sub/../sub/web.yaml"])
    #expect(set.services.map(\.meta.name) == ["web"])
  }

  @Test func aFolderReachedTwiceThroughALinkIsWalkedOnce() throws {
    let folder = try TemporaryFolder()
    try folder.write("real/web.yaml", Self.service("web"))
    try FileManager.default.createSymbolicLink(atPath: folder.path + "/link", withDestinationPath: "real")
    let set = try ManifestLoader().load(paths: [folder.path])
    #expect(set.services.map(\.meta.name) == ["web"])
  }
}
