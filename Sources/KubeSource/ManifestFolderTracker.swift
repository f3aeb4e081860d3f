// The folder watcher's state, on its own thread: which folders are watched, what each file last
// gave; inotify events mark paths, and a path that has settled is reconciled with the disk.
import Foundation
import KubeAPI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// One `--manifests` path, by what it was when the watcher started.
enum ManifestRoot: Equatable {
  /// A folder, watched recursively.
  case folder(String)
  /// A file (or a path that did not exist), watched through its parent folder.
  case file(path: String, parent: String, name: String)
  /// Standard input or a FIFO, device or socket given explicitly: read once.
  case once(String)

  init(path: String) {
    var info = stat()
    if path == "-" {
      self = .once(path)
    } else if stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
      self = .folder(path)
    } else if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
      self = .once(path)
    } else {
      let parent = (path as NSString).deletingLastPathComponent
      self = .file(path: path, parent: parent.isEmpty ? "." : parent, name: (path as NSString).lastPathComponent)
    }
  }
}

/// What a regular file was when it was last read: unchanged, it need not be read again, unless
/// it was modified just before that read (a later write in the same clock tick keeps mtime).
struct FileSignature: Equatable {
  var identity: FileIdentity
  var size: Int64
  var modified: Double
  var changed: Double

  init(_ info: stat) {
    identity = ManifestFileReader.identity(info)
    size = Int64(info.st_size)
    modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    changed = Double(info.st_ctim.tv_sec) + Double(info.st_ctim.tv_nsec) / 1e9
  }
}

/// What the watcher knows of one manifest file.
struct TrackedFile {
  /// The signature at the last read, and the wall-clock time of that read.
  var signature: FileSignature?
  var readAt: Double = 0
  var lastGood: DecodedManifest?
  /// The failure of the last read; nil when it succeeded.
  var lastFailure: ManifestError?
  /// A fresh file failed once and is waiting for its retry.
  var retrying = false
}

/// The watcher's state. Not thread-safe: owned by the watcher's thread.
final class ManifestFolderTracker {
  private let roots: [ManifestRoot]
  private let inotify: InotifyWatch
  private let settling: FileSettling
  private let emit: (ManifestFolderEvent) -> Void
  private let clock = ContinuousClock()

  /// Folders of watched trees, and parents of files given directly, with their watch.
  private var treeFolders: [String: Int32] = [:]
  private var parentFolders: [String: Int32] = [:]
  private var pathsByWatch: [Int32: Set<String>] = [:]
  private var files: [String: TrackedFile] = [:]
  /// The failure last reported for a path, until it reads again (reported once per change).
  private var failures: [String: ManifestError] = [:]
  private var warned: Set<String> = []
  private(set) var queue = SettlingQueue()
  /// During the initial read a failure is reported at once (nothing is being written yet).
  private var initialReadDone = false

  init(paths: [String], inotify: InotifyWatch, settling: FileSettling, emit: @escaping (ManifestFolderEvent) -> Void) {
    var seen: Set<String> = []
    roots = paths.filter { seen.insert($0).inserted }.map(ManifestRoot.init(path:))
    self.inotify = inotify
    self.settling = settling
    self.emit = emit
  }

  /// The initial read, `.synced`, then events until a stop request.
  func run() {
    initialRead()
    while true {
      var timeout: Int32 = -1
      if let deadline = queue.nextDeadline {
        let left = clock.now.duration(to: deadline)
        timeout = Int32(clamping: max(0, (left.components.seconds * 1000) + left.components.attoseconds / 1_000_000_000_000_000 + 1))
      }
      switch inotify.wait(milliseconds: timeout) {
      case .stop: return
      case .events: handle(inotify.readEvents(), now: clock.now)
      case .timeout: break
      }
      processDue(now: clock.now)
    }
  }

  /// Reads every root (watching folders before they are listed), then reports `.synced`.
  func initialRead() {
    for root in roots {
      var info = stat()
      if case .file(let path, _, _) = root, lstat(path, &info) != 0 {
        report(ManifestError(file: path, message: ManifestFileReader.errnoText(errno)))
      }
      switch root {
      case .folder(let path): reconcile(path)
      case .file(let path, let parent, _):
        watchParent(parent)
        reconcile(path)
      case .once(let path): readOnce(path)
      }
    }
    emit(.synced)
    initialReadDone = true
  }

  // MARK: events

  /// Marks the paths the events touch; they are read once they settle.
  func handle(_ events: [InotifyEvent], now: ContinuousClock.Instant) {
    for event in events {
      if event.mask.contains(.queueOverflow) {
        queue.touchEverything(now: now, quiet: settling.quiet)
        continue
      }
      guard let folders = pathsByWatch[event.watch] else { continue }
      if event.mask.contains(.ignored) {
        forget(watch: event.watch)
        continue
      }
      for folder in folders {
        if event.name.isEmpty {
          if treeFolders[folder] != nil { queue.touch(folder, now: now, quiet: settling.quiet) }
          continue
        }
        let full = Self.join(folder, event.name)
        // A hidden entry is no manifest, but a link or folder (a ConfigMap's `..data` and its
        // timestamped folders) may be on the way to the files of the folder.
        let hidden = event.name.hasPrefix(".")
        if hidden && Self.isRegularFile(full) { continue }
        // A file closed after writing, or renamed into place, is complete: read it at once.
        let complete = !hidden && !event.mask.contains(.isDirectory) && !event.mask.isDisjoint(with: [.closeWrite, .movedTo])
        let quiet = complete ? settling.afterWrite : settling.quiet
        if treeFolders[folder] != nil { queue.touch(hidden ? folder : full, now: now, quiet: hidden ? settling.quiet : quiet) }
        if parentFolders[folder] != nil {
          for case .file(let path, let parent, let name) in roots where parent == folder && (hidden || name == event.name) {
            queue.touch(path, now: now, quiet: hidden ? settling.quiet : quiet)
          }
        }
      }
    }
  }

  /// Reconciles what has settled.
  func processDue(now: ContinuousClock.Instant) {
    switch queue.takeDue(now: now) {
    case .everything:
      for root in roots {
        switch root {
        case .folder(let path), .file(let path, _, _): reconcile(path)
        case .once: break
        }
      }
    case .paths(let paths):
      for path in paths { reconcile(path) }
    }
  }

  // MARK: reconciling a path with the disk

  /// Brings what is known at and below `path` in line with the disk.
  func reconcile(_ path: String) {
    var link = stat()
    guard lstat(path, &link) == 0 else {
      let code = errno
      if code == ENOENT || code == ENOTDIR {
        forget(at: path)
      } else {
        report(ManifestError(file: path, message: ManifestFileReader.errnoText(code)))
      }
      return
    }
    let info: stat
    do { info = try ManifestFileReader.status(of: path) } catch {
      report(error)  // a dangling or looping link, or no permission: keep what it held
      return
    }
    switch info.st_mode & S_IFMT {
    case S_IFDIR:
      removeFile(path)
      reconcileFolder(path, identity: ManifestFileReader.identity(info))
    case S_IFREG:
      // A path known as a file has nothing tracked below it (had it become a folder, it would
      // have left `files` then); only a path new as a file is checked, which scans them all.
      if files[path] == nil { forget(below: path) }
      if isManifestPath(path) { read(path, info) }
    default:
      forget(at: path)
      if isManifestPath(path) { warn(ManifestFileReader.notRegularWarning(path, info.st_mode)) }
    }
  }

  /// Walks `folder`, watches every folder below it (before reading, so that nothing written
  /// meanwhile is missed), removes what is gone and reads what changed. What lies below an entry
  /// that could not be examined is kept.
  private func reconcileFolder(_ folder: String, identity: FileIdentity) {
    var scan = ManifestFileReader.scan(folder: folder, identity: identity)
    while true {
      var added = false
      for path in scan.folders where treeFolders[path] == nil {
        switch inotify.add(folder: path) {
        case .success(let watch):
          treeFolders[path] = watch
          pathsByWatch[watch, default: []].insert(path)
          added = true
        case .failure(let error):
          scan.failures.append(error)
        }
      }
      guard added else { break }
      scan = ManifestFileReader.scan(folder: folder, identity: identity)
    }
    let kept = scan.failures.map(\.file)
    func isKept(_ path: String) -> Bool { kept.contains { $0 == path || Self.isBelow(path, $0) } }
    let found = Set(scan.files.map(\.path))
    let walked = Set(scan.folders)
    for path in files.keys.sorted() where Self.isBelow(path, folder) && !found.contains(path) && !isKept(path) {
      removeFile(path)
    }
    for path in treeFolders.keys where Self.isBelow(path, folder) && !walked.contains(path) && !isKept(path) {
      unwatch(tree: path)
    }
    for path in failures.keys where (path == folder || Self.isBelow(path, folder)) && !kept.contains(path) && files[path] == nil {
      failures[path] = nil
    }
    for failure in scan.failures { report(failure) }
    for warning in scan.warnings { warn(warning) }
    for file in scan.files {
      guard let info = try? ManifestFileReader.status(of: file.path) else { continue }
      read(file.path, info)
    }
  }

  /// Reads and decodes a regular file unless its signature says it is unchanged; reports its
  /// objects if they differ from the last ones (or the file had failed). A fresh file that
  /// fails, or is empty where it held objects (truncated to be rewritten), is read once more
  /// after `retryAfterFailure` before anything is reported.
  private func read(_ path: String, _ info: stat) {
    var tracked = files[path] ?? TrackedFile()
    let signature = FileSignature(info)
    let wallNow = Date().timeIntervalSince1970
    if let last = tracked.signature, last == signature, tracked.readAt - last.modified >= seconds(settling.freshness),
      failures[path] == tracked.lastFailure
    {
      return
    }
    let mayBeBeingWritten = initialReadDone && !tracked.retrying && wallNow - signature.modified < seconds(settling.freshness)
    func retry() {
      tracked.retrying = true
      files[path] = tracked
      queue.schedule(path, at: clock.now + settling.retryAfterFailure)
    }
    tracked.retrying = false
    do {
      let text = try ManifestFileReader.read(path)
      if text.isEmpty && mayBeBeingWritten && !(tracked.lastGood?.objects.isEmpty ?? true) { return retry() }
      let manifest = try ManifestDecoder.decodeObjects(text, file: path)
      tracked.signature = signature
      tracked.readAt = wallNow
      tracked.lastFailure = nil
      let wasFailing = failures.removeValue(forKey: path) != nil
      if tracked.lastGood != manifest || wasFailing { emit(.objects(file: path, manifest: manifest)) }
      tracked.lastGood = manifest
      files[path] = tracked
    } catch {
      if mayBeBeingWritten { return retry() }
      tracked.signature = signature
      tracked.readAt = wallNow
      tracked.lastFailure = error
      files[path] = tracked
      report(error)
    }
  }

  private func readOnce(_ path: String) {
    let name = path == "-" ? ManifestFileReader.stdinName : path
    do {
      let manifest = try ManifestDecoder.decodeObjects(try ManifestFileReader.read(path), file: name)
      emit(.objects(file: name, manifest: manifest))
    } catch {
      report(error)
    }
  }

  // MARK: bookkeeping

  private func report(_ error: ManifestError) {
    guard failures[error.file] != error else { return }
    failures[error.file] = error
    emit(.failed(file: error.file, error: error))
  }

  private func warn(_ text: String) {
    if warned.insert(text).inserted { emit(.warning(text)) }
  }

  /// The path is gone: the file there, the files below it and their folders' watches.
  private func forget(at path: String) {
    removeFile(path)
    forget(below: path)
    if treeFolders[path] != nil { unwatch(tree: path) }
    failures[path] = nil
  }

  private func forget(below path: String) {
    // Filtered before sorting: sorting every known path (50k files) cost ~40 ms.
    for file in files.keys.filter({ Self.isBelow($0, path) }).sorted() { removeFile(file) }
    for folder in treeFolders.keys where Self.isBelow(folder, path) { unwatch(tree: folder) }
    for failed in failures.keys where Self.isBelow(failed, path) { failures[failed] = nil }
  }

  private func removeFile(_ path: String) {
    guard files.removeValue(forKey: path) != nil else { return }
    failures[path] = nil
    emit(.removed(file: path))
  }

  private func watchParent(_ folder: String) {
    guard parentFolders[folder] == nil else { return }
    switch inotify.add(folder: folder) {
    case .success(let watch):
      parentFolders[folder] = watch
      pathsByWatch[watch, default: []].insert(folder)
    case .failure(let error):
      report(error)
    }
  }

  private func unwatch(tree folder: String) {
    guard let watch = treeFolders.removeValue(forKey: folder) else { return }
    if parentFolders[folder] == nil { pathsByWatch[watch]?.remove(folder) }
    if pathsByWatch[watch]?.isEmpty ?? false {
      pathsByWatch[watch] = nil
      inotify.remove(watch: watch)
    }
  }

  /// The kernel dropped a watch (its folder was deleted): forget its paths.
  private func forget(watch: Int32) {
    for path in pathsByWatch.removeValue(forKey: watch) ?? [] {
      if treeFolders[path] == watch { treeFolders[path] = nil }
      if parentFolders[path] == watch { parentFolders[path] = nil }
    }
  }

  private func isManifestPath(_ path: String) -> Bool {
    if ManifestFileReader.isManifestName((path as NSString).lastPathComponent) { return true }
    return roots.contains { if case .file(path, _, _) = $0 { true } else { false } }
  }

  private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
  }

  static func join(_ folder: String, _ name: String) -> String {
    folder.hasSuffix("/") ? folder + name : folder + "/" + name
  }

  /// Whether `path` lies strictly below `folder`.
  static func isBelow(_ path: String, _ folder: String) -> Bool {
    path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
  }

  private static func isRegularFile(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
  }
}
