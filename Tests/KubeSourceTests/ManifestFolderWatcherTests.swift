// ManifestFolderWatcher on real temporary folders: new, changed, renamed, deleted files and
// folders, broken files, slow writers, ConfigMap `..data` swaps, FIFOs, overflow, and stop.
import Foundation
import KubeAPI
import Synchronization
import Testing

@testable import KubeSource

#if canImport(Glibc)
  import Glibc
#endif

/// Serialized: the stop test counts the process's inotify descriptors.
@Suite(.serialized) struct ManifestFolderWatcherTests {
  static func service(_ name: String, port: Int = 80) -> String {
    "apiVersion: v1\nkind: Service\nmetadata: {name: \(name), namespace: default}\nspec: {ports: [{port: \(port)}]}\n"
  }

  @Test func initialReadThenNewChangedAndDeletedFiles() async throws {
    let folder = try ScratchFolder()
    let a = try folder.write("a.yaml", Self.service("a"))
    let watch = try WatchedEvents(paths: [folder.path])
    defer { watch.stop() }
    try await watch.expect { $0.contains(.synced) }
    #expect(watch.services(of: a) == ["a:80"])

    let b = try folder.write("b.yml", Self.service("b"))
    try await watch.expect { _ in watch.services(of: b) == ["b:80"] }

    try folder.overwrite("a.yaml", Self.service("a", port: 8080))
    try await watch.expect { _ in watch.services(of: a) == ["a:8080"] }

    try FileManager.default.removeItem(atPath: b)
    try await watch.expect { $0.contains(.removed(file: b)) }
    #expect(watch.failures.isEmpty)
  }

  @Test func editorSaveThroughATemporaryFileIsOneChange() async throws {
    let folder = try ScratchFolder()
    let a = try folder.write("a.yaml", Self.service("a"))
    let watch = try WatchedEvents(paths: [folder.path])
    defer { watch.stop() }
    try await watch.expect { $0.contains(.synced) }
    let before = watch.events.count

    for temporary in ["a.yaml.swp", ".a.yaml.tmp"] {
      try folder.overwrite(temporary, Self.service("a", port: 81))
      #expect(rename(folder.path + "/" + temporary, a) == 0)
      try await watch.expect { _ in watch.services(of: a) == ["a:81"] }
      try folder.overwrite("a.yaml", Self.service("a"))  // back, for the second round
      try await watch.expect { _ in watch.services(of: a) == ["a:80"] }
    }
    try await Task.sleep(for: .milliseconds(300))
    let after = Array(watch.events.dropFirst(before))
    #expect(after.count == 4, "\(after)")
    #expect(!after.contains { if case .removed = $0 { true } else { false } })
  }

  @Test func foldersCreatedAndRemovedBelowAWatchedFolder() async throws {
    let folder = try ScratchFolder()
    let watch = try WatchedEvents(paths: [folder.path])
    defer { watch.stop() }
    try await watch.expect { $0.contains(.synced) }

    let made = try folder.write("new/deeper/x.yaml", Self.service("x"))
    try await watch.expect { _ in watch.services(of: made) == ["x:80"] }
    let later = try folder.write("new/deeper/y.yaml", Self.service("yy"))
    try await watch.expect { _ in watch.services(of: later) == ["yy:80"] }

    // A folder prepared elsewhere and moved in, then moved within, then removed.
    let outside = try ScratchFolder()
    try outside.write(
      "tree/z.json", #"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "z"}, "spec": {"ports": [{"port": 90}]}}"#)
    #expect(rename(outside.path + "/tree", folder.path + "/tree") == 0)
    let z = folder.path + "/tree/z.json"
    try await watch.expect { _ in watch.services(of: z) == ["z:90"] }
    #expect(rename(folder.path + "/tree", folder.path + "/moved") == 0)
    let moved = folder.path + "/moved/z.json"
    try await watch.expect { $0.contains(.removed(file: z)) && watch.services(of: moved) == ["z:90"] }
    try folder.overwrite("moved/z.json", Self.service("z", port: 91))  // the moved folder is still watched
    try await watch.expect { _ in watch.services(of: moved) == ["z:91"] }

    try FileManager.default.removeItem(atPath: folder.path + "/new")
    try await watch.expect { $0.contains(.removed(file: made)) && $0.contains(.removed(file: later)) }
    #expect(watch.failures.isEmpty)
  }

  @Test func aBrokenFileIsReportedAndKeepsItsObjectsUntilFixed() async throws {
    let folder = try ScratchFolder()
    let a = try folder.write("a.yaml", Self.service("a"))
    let watch = try WatchedEvents(paths: [folder.path], settling: FileSettling(retryAfterFailure: .milliseconds(100)))
    defer { watch.stop() }
    try await watch.expect { $0.contains(.synced) }

    try folder.overwrite("a.yaml", Self.service("a", port: 70000))
    try await watch.expect { _ in !watch.failures.isEmpty }
    let error = try #require(watch.failures.first)
    #expect(error.file == a && error.document == 1 && error.object == "default/a" && error.field == "spec.ports[0].port")
    #expect(!watch.events.contains(.removed(file: a)))

    try folder.overwrite("a.yaml", Self.service("a", port: 81))
    try await watch.expect { _ in watch.services(of: a) == ["a:81"] }
  }

  @Test func aClosedOrRenamedFileIsReadWithoutWaitingForTheQuietTime() async throws {
    let folder = try ScratchFolder()
    // A quiet time far above the 5 s the expectations wait: only the after-write path can pass.
    let watch = try WatchedEvents(paths: [folder.path], settling: FileSettling(quiet: .seconds(60)))
    defer { watch.stop() }
    try await watch.expect { $0.contains(.synced) }
    let closed = folder.path + "/closed.yaml"
    try Self.service("closed").write(toFile: closed, atomically: false, encoding: .utf8)
    try await watch.expect { _ in watch.services(of: closed) == ["closed:80"] }
    let renamed = folder.path + "/renamed.yaml"
    try Self.service("renamed").write(toFile: folder.path + "/.renamed.tmp", atomically: false, encoding: .utf8)
    #expect(rename(folder.path + "/.renamed.tmp", renamed) == 0)
    try await watch.expect { _ in watch.services(of: renamed) == ["renamed:80"] }
  }

  @Test func aFileWrittenInChunksIsReadOnceItSettles() async throws {
    let folder = try ScratchFolder()
    // A quiet time well above the 20 ms pauses, so that a loaded machine does not stretch one.
    let watch = try WatchedEvents(paths: [folder.path], settling: FileSettling(quiet: .milliseconds(300)))
    defer { watch.stop() }
    try await watch.expect { $0.contains(.synced) }

    let path = folder.path + "/slow.yaml"
    let text = Array((0..<6).map { Self.service("slow\($0)") }.joined(separator: "---\n").utf8)
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    #expect(descriptor >= 0)
    var offset = 0
    while offset < text.count {  // chunks cut mid-line, 20 ms apart: shorter than the quiet time
      let chunk = Array(text[offset..<min(offset + 37, text.count)])
      #expect(write(descriptor, chunk, chunk.count) == chunk.count)
      offset += chunk.count
      try await Task.sleep(for: .milliseconds(20))
    }
    close(descriptor)
    try await watch.expect { _ in watch.services(of: path).count == 6 }
    try await Task.sleep(for: .milliseconds(300))
    let forFile = watch.events.filter {
      switch $0 {
      case .objects(path, _), .failed(path, _), .removed(path): true
      default: false
      }
    }
    #expect(forFile.count == 1, "\(forFile)")
  }

  @Test(arguments: [false, true]) func configMapDataSwapIsFollowed(fileGivenDirectly: Bool) async throws {
    let folder = try ScratchFolder()
    try folder.write("..2024_01_01_00_00_00.1/web.yaml", Self.service("web"))
    #expect(symlink("..2024_01_01_00_00_00.1", folder.path + "/..data") == 0)
    #expect(symlink("..data/web.yaml", folder.path + "/web.yaml") == 0)
    let web = folder.path + "/web.yaml"
    let watch = try WatchedEvents(paths: [fileGivenDirectly ? web : folder.path])
    defer { watch.stop() }
    try await watch.expect { $0.contains(.synced) }
    #expect(watch.services(of: web) == ["web:80"])

    // kubelet's atomic writer: a new timestamped folder, a new link renamed over ..data, the old folder removed.
    try folder.write("..2024_01_01_00_01_00.2/web.yaml", Self.service("web", port: 8080))
    #expect(symlink("..2024_01_01_00_01_00.2", folder.path + "/..data_tmp") == 0)
    #expect(rename(folder.path + "/..data_tmp", folder.path + "/..data") == 0)
    try FileManager.default.removeItem(atPath: folder.path + "/..2024_01_01_00_00_00.1")
    try await watch.expect { _ in watch.services(of: web) == ["web:8080"] }
    try await Task.sleep(for: .milliseconds(200))
    #expect(!watch.events.contains(.removed(file: web)))
    #expect(watch.failures.isEmpty)
  }

  @Test func filesGivenDirectlyAreWatchedThroughTheirFolder() async throws {
    let folder = try ScratchFolder()
    let a = try folder.write("a.yaml", Self.service("a"))
    let missing = folder.path + "/later.yaml"
    let watch = try WatchedEvents(paths: [a, missing])
    defer { watch.stop() }
    try await watch.expect { $0.contains(.synced) }
    #expect(watch.services(of: a) == ["a:80"])
    #expect(watch.failures.map(\.description) == ["\(missing): no such file or directory"])

    try folder.write("sibling.yaml", Self.service("sibling"))  // not given: never read
    try folder.write("a.yaml", Self.service("a", port: 81))
    try await watch.expect { _ in watch.services(of: a) == ["a:81"] }
    try folder.write("later.yaml", Self.service("later"))
    try await watch.expect { _ in watch.services(of: missing) == ["later:80"] }
    try FileManager.default.removeItem(atPath: a)
    try await watch.expect { $0.contains(.removed(file: a)) }
    try folder.write("a.yaml", Self.service("a", port: 82))
    try await watch.expect { _ in watch.services(of: a) == ["a:82"] }
    #expect(!watch.events.contains { if case .objects(let file, _) = $0 { file.hasSuffix("sibling.yaml") } else { false } })
  }

  @Test func aLinkThatDanglesIsAFailureAndKeepsTheFile() async throws {
    let folder = try ScratchFolder()
    let a = try folder.write("a.yaml", Self.service("a"))
    let watch = try WatchedEvents(paths: [folder.path])
    defer { watch.stop() }
    try await watch.expect { $0.contains(.synced) }

    #expect(symlink("missing.yaml", folder.path + "/link") == 0)
    #expect(rename(folder.path + "/link", a) == 0)
    try await watch.expect { _ in watch.failures.contains { $0.file == a } }
    #expect(!watch.events.contains(.removed(file: a)))
    try FileManager.default.removeItem(atPath: a)
    try await watch.expect { $0.contains(.removed(file: a)) }
  }

  @Test func aFIFOIsWarnedAboutAndNeverOpened() async throws {
    let folder = try ScratchFolder()
    #expect(mkfifo(folder.path + "/pipe.yaml", 0o644) == 0)
    try folder.write("a.yaml", Self.service("a"))
    let watch = try WatchedEvents(paths: [folder.path])
    defer { watch.stop() }
    try await watch.expect { $0.contains(.synced) }
    #expect(watch.events.contains(.warning("\(folder.path)/pipe.yaml: skipped: not a regular file (a FIFO)")))

    #expect(mkfifo(folder.path + "/later.json", 0o644) == 0)
    try await watch.expect { $0.contains(.warning("\(folder.path)/later.json: skipped: not a regular file (a FIFO)")) }
    let b = try folder.write("b.yaml", Self.service("b"))  // still watching
    try await watch.expect { _ in watch.services(of: b) == ["b:80"] }
  }

  @Test func anOverflowedQueueRescansEverything() throws {
    let folder = try ScratchFolder()
    let a = try folder.write("a.yaml", Self.service("a"))
    let c = try folder.write("sub/c.yaml", Self.service("c"))
    let untouched = try folder.write("untouched.yaml", Self.service("u"))
    let inotify = try InotifyWatch()
    defer { inotify.close() }
    final class Emitted { var events: [ManifestFolderEvent] = [] }
    let emitted = Emitted()
    let tracker = ManifestFolderTracker(
      paths: [folder.path], inotify: inotify, settling: FileSettling(), emit: { emitted.events.append($0) })
    tracker.initialRead()
    #expect(emitted.events.count == 4)  // three files and .synced
    emitted.events = []

    // Changes whose events are lost: only the overflow is handled.
    try FileManager.default.removeItem(atPath: a)
    let b = try folder.write("b.yaml", Self.service("b"))
    try folder.overwrite("sub/c.yaml", Self.service("c", port: 81))
    let now = ContinuousClock().now
    tracker.handle([InotifyEvent(watch: -1, mask: .queueOverflow, cookie: 0, name: "")], now: now)
    tracker.processDue(now: now)
    #expect(emitted.events.isEmpty)  // not settled yet
    tracker.processDue(now: now + .seconds(1))
    let events = emitted.events
    #expect(events.contains(.removed(file: a)))
    #expect(WatchedEvents.services(in: events, of: b) == ["b:80"])
    #expect(WatchedEvents.services(in: events, of: c) == ["c:81"])
    #expect(WatchedEvents.services(in: events, of: untouched) == [])
    #expect(events.count == 3, "\(events)")
  }

  @Test func stopClosesTheInotifyDescriptor() async throws {
    let folder = try ScratchFolder()
    try folder.write("sub/a.yaml", Self.service("a"))
    let before = Self.inotifyDescriptors()
    let watch = try WatchedEvents(paths: [folder.path])
    try await watch.expect { $0.contains(.synced) }
    let added = Self.inotifyDescriptors().subtracting(before)
    #expect(added.count == 1)
    watch.stop()
    try await watch.expectFinished()
    #expect(Self.inotifyDescriptors().isDisjoint(with: added))
  }

  /// This process's descriptors that are inotify instances (other tests' watchers may still be
  /// closing, so the test compares the one it opened).
  static func inotifyDescriptors() -> Set<String> {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return Set(names.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)) == "anon_inode:inotify" })
  }
}

/// The settling queue alone: quiet time pushed by each event, retries, overflow.
@Suite struct SettlingQueueTests {
  @Test func eachEventPushesThePathsDeadline() {
    let start = ContinuousClock().now
    var queue = SettlingQueue()
    queue.touch("a", now: start, quiet: .milliseconds(75))
    queue.touch("a", now: start + .milliseconds(50), quiet: .milliseconds(75))
    queue.touch("b", now: start + .milliseconds(10), quiet: .milliseconds(75))
    #expect(queue.nextDeadline == start + .milliseconds(85))
    #expect(queue.takeDue(now: start + .milliseconds(100)) == .paths(["b"]))
    #expect(queue.takeDue(now: start + .milliseconds(124)) == .paths([]))
    #expect(queue.takeDue(now: start + .milliseconds(125)) == .paths(["a"]))
    #expect(queue.isEmpty)
  }

  @Test func aRetryNeverComesBeforeALaterEvent() {
    let start = ContinuousClock().now
    var queue = SettlingQueue()
    queue.touch("a", now: start + .milliseconds(500), quiet: .milliseconds(75))
    queue.schedule("a", at: start + .milliseconds(300))
    #expect(queue.nextDeadline == start + .milliseconds(575))
  }

  @Test func anOverflowTakesEverythingWaiting() {
    let start = ContinuousClock().now
    var queue = SettlingQueue()
    queue.touch("a", now: start, quiet: .milliseconds(75))
    queue.touchEverything(now: start, quiet: .milliseconds(75))
    #expect(queue.takeDue(now: start + .milliseconds(75)) == .everything)
    #expect(queue.isEmpty)
  }
}

@Suite struct InotifyEventTests {
  @Test func recordsAreDecodedByHandWithTheirPaddedNames() {
    func record(_ watch: Int32, _ mask: UInt32, _ cookie: UInt32, _ name: [UInt8]) -> [UInt8] {
      func word(_ value: UInt32) -> [UInt8] {
        #if _endian(little)
          return [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: value >> $0) }
        #else
          return [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) }
        #endif
      }
      return word(UInt32(bitPattern: watch)) + word(mask) + word(cookie) + word(UInt32(name.count)) + name
    }
    func padding(_ count: Int) -> [UInt8] { [UInt8](repeating: 0, count: count) }
    let bytes =
      record(3, 0x4000_0100, 0, Array("sub".utf8) + padding(13)) + record(1, 0x80, 77, Array("é.yaml".utf8) + padding(9))
      + record(-1, 0x4000, 0, []) + [1, 2, 3]
    #expect(
      InotifyEvent.parse(bytes[...]) == [
        InotifyEvent(watch: 3, mask: [.create, .isDirectory], cookie: 0, name: "sub"),
        InotifyEvent(watch: 1, mask: .movedTo, cookie: 77, name: "é.yaml"),
        InotifyEvent(watch: -1, mask: .queueOverflow, cookie: 0, name: ""),
      ])
  }
}

/// A watcher and every event it delivered, collected by a task.
final class WatchedEvents: Sendable {
  private let watcher: ManifestFolderWatcher
  private let collected = Mutex<(events: [ManifestFolderEvent], finished: Bool)>(([], false))

  init(paths: [String], settling: FileSettling = FileSettling()) throws {
    watcher = try ManifestFolderWatcher(paths: paths, settling: settling)
    let stream = watcher.events
    Task { [self] in
      for await event in stream { collected.withLock { $0.events.append(event) } }
      collected.withLock { $0.finished = true }
    }
  }

  var events: [ManifestFolderEvent] { collected.withLock { $0.events } }
  var failures: [ManifestError] { events.compactMap { if case .failed(_, let error) = $0 { error } else { nil } } }

  func stop() { watcher.stop() }

  /// Waits (at most 5 s) until `condition` holds for the events so far.
  func expect(_ condition: ([ManifestFolderEvent]) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    for _ in 0..<500 {
      if condition(events) { return }
      try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("condition not met within 5 s; events: \(events)", sourceLocation: sourceLocation)
  }

  func expectFinished(sourceLocation: SourceLocation = #_sourceLocation) async throws {
    for _ in 0..<500 {
      if collected.withLock({ $0.finished }) { return }
      try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("the event stream did not finish within 5 s", sourceLocation: sourceLocation)
  }

  /// "name:port" of the services in the last `.objects` of `file`.
  func services(of file: String) -> [String] { Self.services(in: events, of: file) }

  static func services(in events: [ManifestFolderEvent], of file: String) -> [String] {
    for event in events.reversed() {
      if case .objects(file, let manifest) = event {
        return manifest.objects.compactMap {
          guard case .service(let service) = $0.object else { return nil }
          return "\(service.meta.name):\(service.ports.first.map { "\($0.port)" } ?? "")"
        }
      }
      if case .removed(file) = event { return [] }
    }
    return []
  }
}

/// A throwaway folder, removed when the test is done.
final class ScratchFolder {
  let path: String

  init() throws {
    path = NSTemporaryDirectory() + "kproxy-watcher-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// Writes `text` to `relativePath` (creating folders) through a temporary file renamed into place.
  @discardableResult
  func write(_ relativePath: String, _ text: String) throws -> String {
    let full = path + "/" + relativePath
    try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: full, atomically: true, encoding: .utf8)
    return full
  }

  /// Rewrites `relativePath` in place (truncate, write), as `echo > file` does.
  func overwrite(_ relativePath: String, _ text: String) throws {
    let descriptor = open(path + "/" + relativePath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
    defer { close(descriptor) }
    let bytes = Array(text.utf8)
    guard Glibc.write(descriptor, bytes, bytes.count) == bytes.count else { throw CocoaError(.fileWriteUnknown) }
  }
}
