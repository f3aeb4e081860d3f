// Watches manifest files and folders (--manifests) with inotify on a thread of its own and
// delivers per-file events: a file's complete objects, its removal, failures, warnings, synced.
import Foundation
import KubeAPI
import Synchronization

/// What the folder watcher reports, per manifest file.
public enum ManifestFolderEvent: Sendable, Equatable {
  /// The file's complete current objects: they replace whatever the file held before.
  case objects(file: String, manifest: DecodedManifest)
  /// The file is gone (deleted, renamed away, its folder removed): its objects are gone.
  case removed(file: String)
  /// The file (or a folder, or a link on the way to it) could not be read or decoded: the
  /// consumer keeps what the path held, so that an editing mistake never wipes services.
  case failed(file: String, error: ManifestError)
  /// Something skipped, e.g. a FIFO with a manifest name in a folder.
  case warning(String)
  /// Sent once, after the initial read of every path (its failures and warnings come before).
  case synced
}

/// Reads the `--manifests` paths, then watches them until stopped. Folders are watched
/// recursively (a folder created below one is watched and read; a removed one's files are
/// removed); a file given directly is watched through its parent folder, which also follows a
/// mounted ConfigMap's `..data` swap. Standard input ("-") and explicit paths that are neither
/// regular files nor folders (a FIFO from `<(kubectl …)`) are read once. Keep the watcher
/// while consuming `events`: releasing it stops watching, as `stop()` does.
public final class ManifestFolderWatcher: Sendable {
  /// The events; the stream finishes after `stop()` (or when its consumer stops iterating),
  /// once the inotify descriptor is closed.
  public let events: AsyncStream<ManifestFolderEvent>
  private let control: WatcherControl

  /// Starts watching `paths` at once: the initial read runs on the watcher's thread.
  public init(paths: [String], settling: FileSettling = FileSettling()) throws(InotifyError) {
    let control = WatcherControl(inotify: try InotifyWatch())
    let (events, continuation) = AsyncStream.makeStream(of: ManifestFolderEvent.self)
    self.events = events
    self.control = control
    continuation.onTermination = { _ in control.requestStop() }
    let thread = Thread {
      let tracker = ManifestFolderTracker(
        paths: paths, inotify: control.inotify, settling: settling, emit: { continuation.yield($0) })
      tracker.run()
      control.close()
      continuation.finish()
    }
    thread.name = "kproxy manifest watcher"
    thread.start()
  }

  /// Stops watching: the thread finishes what it is reading, closes the inotify descriptor and
  /// ends `events`. Calling it again does nothing.
  public func stop() {
    control.requestStop()
  }

  deinit { control.requestStop() }
}

/// The stop request and the closing of the descriptors, ordered so that a stop request never
/// writes to a descriptor that was closed (and maybe reused).
private final class WatcherControl: Sendable {
  let inotify: InotifyWatch
  private let closed = Mutex(false)

  init(inotify: InotifyWatch) { self.inotify = inotify }

  func requestStop() {
    closed.withLock { closed in if !closed { inotify.wake() } }
  }

  func close() {
    closed.withLock { closed in
      closed = true
      inotify.close()
    }
  }
}
