// An inotify descriptor with a wake-up pipe: add and remove folder watches, wait for events or
// a stop request, and read the kernel's `struct inotify_event` records, decoded by hand.
import KubeAPI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The bits of an inotify event mask (values of <linux/inotify.h>, a stable kernel ABI).
struct InotifyMask: OptionSet, Sendable, Hashable {
  let rawValue: UInt32
  static let modify = InotifyMask(rawValue: 0x0000_0002)  // IN_MODIFY
  static let attrib = InotifyMask(rawValue: 0x0000_0004)  // IN_ATTRIB
  static let closeWrite = InotifyMask(rawValue: 0x0000_0008)  // IN_CLOSE_WRITE
  static let movedFrom = InotifyMask(rawValue: 0x0000_0040)  // IN_MOVED_FROM
  static let movedTo = InotifyMask(rawValue: 0x0000_0080)  // IN_MOVED_TO
  static let create = InotifyMask(rawValue: 0x0000_0100)  // IN_CREATE
  static let delete = InotifyMask(rawValue: 0x0000_0200)  // IN_DELETE
  static let deleteSelf = InotifyMask(rawValue: 0x0000_0400)  // IN_DELETE_SELF
  static let moveSelf = InotifyMask(rawValue: 0x0000_0800)  // IN_MOVE_SELF
  static let queueOverflow = InotifyMask(rawValue: 0x0000_4000)  // IN_Q_OVERFLOW
  static let ignored = InotifyMask(rawValue: 0x0000_8000)  // IN_IGNORED: the watch is gone
  static let isDirectory = InotifyMask(rawValue: 0x4000_0000)  // IN_ISDIR

  /// What a manifest folder is watched for.
  static let folderChanges: InotifyMask = [
    .create, .closeWrite, .modify, .movedFrom, .movedTo, .delete, .deleteSelf, .moveSelf, .attrib,
  ]
}

/// One `struct inotify_event`: the watch it came from (-1 for a queue overflow), what happened,
/// and the name of the entry in the watched folder ("" for the folder itself).
struct InotifyEvent: Sendable, Equatable {
  var watch: Int32
  var mask: InotifyMask
  var cookie: UInt32
  var name: String

  /// The size of `struct inotify_event` without its name: wd, mask, cookie, len.
  static let headerSize = 16

  /// The events in `bytes` as read(2) returned them: a header in host byte order, then `len`
  /// bytes of NUL-padded name. A truncated record at the end (never produced by the kernel) ends
  /// the list.
  static func parse(_ bytes: ArraySlice<UInt8>) -> [InotifyEvent] {
    var events: [InotifyEvent] = []
    var offset = bytes.startIndex
    while bytes.endIndex - offset >= headerSize {
      let length = Int(word(bytes, offset + 12))
      let nameStart = offset + headerSize
      guard bytes.endIndex - nameStart >= length else { break }
      let nameBytes = bytes[nameStart..<nameStart + length]
      let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
      events.append(
        InotifyEvent(
          watch: Int32(bitPattern: word(bytes, offset)), mask: InotifyMask(rawValue: word(bytes, offset + 4)),
          cookie: word(bytes, offset + 8), name: name))
      offset = nameStart + length
    }
    return events
  }

  /// The 32-bit word at `offset`, in host byte order.
  private static func word(_ bytes: ArraySlice<UInt8>, _ offset: Int) -> UInt32 {
    let b0 = UInt32(bytes[offset])
    let b1 = UInt32(bytes[offset + 1])
    let b2 = UInt32(bytes[offset + 2])
    let b3 = UInt32(bytes[offset + 3])
    #if _endian(little)
      return b0 | b1 << 8 | b2 << 16 | b3 << 24
    #else
      return b3 | b2 << 8 | b1 << 16 | b0 << 24
    #endif
  }
}

/// Why the watcher could not start.
public struct InotifyError: Error, Sendable, Equatable, CustomStringConvertible {
  public var operation: String
  public var message: String
  public var description: String { "\(operation): \(message)" }
}

/// An inotify descriptor (non-blocking, close-on-exec) and a pipe that wakes its waiter. The
/// descriptors are closed by `close()`, which only the waiting thread calls.
final class InotifyWatch: Sendable {
  let descriptor: Int32
  private let wakeRead: Int32
  private let wakeWrite: Int32

  init() throws(InotifyError) {
    let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
    guard descriptor >= 0 else {
      throw InotifyError(operation: "inotify_init1", message: ManifestFileReader.errnoText(errno))
    }
    var ends: [Int32] = [-1, -1]
    // pipe2(2) is not imported (it needs _GNU_SOURCE): pipe(2), then the flags one by one.
    guard pipe(&ends) == 0 else {
      let code = errno
      Glibc.close(descriptor)
      throw InotifyError(operation: "pipe", message: ManifestFileReader.errnoText(code))
    }
    for end in ends {
      _ = fcntl(end, F_SETFD, FD_CLOEXEC)
      _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
    }
    self.descriptor = descriptor
    wakeRead = ends[0]
    wakeWrite = ends[1]
  }

  /// Watches `folder` (following a symbolic link to it); the kernel returns the same descriptor
  /// for a folder reached under two paths.
  func add(folder: String) -> Result<Int32, ManifestError> {
    let watch = inotify_add_watch(descriptor, folder, InotifyMask.folderChanges.rawValue)
    guard watch >= 0 else {
      return .failure(ManifestError(file: folder, message: "cannot watch the folder: \(ManifestFileReader.errnoText(errno))"))
    }
    return .success(watch)
  }

  /// Stops watching; a watch the kernel already dropped (its folder was deleted) is no error.
  func remove(watch: Int32) {
    _ = inotify_rm_watch(descriptor, watch)
  }

  /// What woke the waiter.
  enum Wake { case events, stop, timeout }

  /// Waits up to `milliseconds` (-1: no limit) for events or a stop request.
  func wait(milliseconds: Int32) -> Wake {
    var fds = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
    while true {
      let ready = poll(&fds, nfds_t(fds.count), milliseconds)
      if ready < 0 && errno == EINTR { continue }
      if ready <= 0 { return .timeout }
      if fds[1].revents != 0 { return .stop }
      return .events
    }
  }

  /// Every event queued now (none when the queue is empty).
  func readEvents() -> [InotifyEvent] {
    var events: [InotifyEvent] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      let count = read(descriptor, &buffer, buffer.count)
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { return events }
      events += InotifyEvent.parse(buffer[0..<count])
    }
  }

  /// Makes `wait` return `.stop`. Only called while the descriptors are open.
  func wake() {
    var byte: [UInt8] = [1]
    _ = write(wakeWrite, &byte, 1)
  }

  func close() {
    Glibc.close(descriptor)
    Glibc.close(wakeRead)
    Glibc.close(wakeWrite)
  }
}
