// Reads manifest files, folders and standard input as text: folders are walked with every
// entry accounted for (unreadable ones are errors), sizes are checked before reading.
import Foundation
import KubeAPI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// One file to read, and the identity of what it is (so a file reached twice is read once).
struct ManifestFile: Equatable {
  /// The path as found ("-" for standard input).
  var path: String
  /// Device and inode; nil for standard input.
  var identity: FileIdentity?
}

/// A file's device and inode number: the same file under two paths (or symbolic links).
struct FileIdentity: Hashable {
  var device: UInt64
  var inode: UInt64
}

/// The manifest files under some paths, plus what was skipped on the way.
struct ManifestFileList {
  var files: [ManifestFile] = []
  /// Entries of folders that are not regular files (FIFOs, devices, sockets), named, with why.
  var warnings: [String] = []
}

/// A folder walked completely: what `ManifestFileReader.scan` found, and what it could not examine.
struct FolderScan {
  var files: [ManifestFile] = []
  /// Every folder walked, as reached (through symbolic links).
  var folders: [String] = []
  var warnings: [String] = []
  /// Entries (or folders) that could not be examined, each naming its path in `file`.
  var failures: [ManifestError] = []
}

/// Where manifest text comes from.
enum ManifestFileReader {
  static let stdinName = "<stdin>"
  static let manifestExtensions: Set<String> = ["yaml", "yml", "json"]

  /// The manifest files named by `path`: the file itself (of any type: a FIFO such as bash's
  /// `<(kubectl …)` is read too), or every *.yaml, *.yml and *.json regular file below a folder,
  /// sorted by path. Names starting with "." are skipped (editor backups, the `..data` links of
  /// mounted ConfigMaps). Symbolic links are followed; a folder reached twice is walked once.
  /// Any entry that cannot be examined (a dangling or looping link, a folder that cannot be
  /// listed) is an error naming it: a folder is read completely or not at all.
  static func files(at path: String) throws(ManifestError) -> ManifestFileList {
    if path == "-" { return ManifestFileList(files: [ManifestFile(path: "-", identity: nil)]) }
    let info = try status(of: path)
    var list = ManifestFileList()
    guard info.st_mode & S_IFMT == S_IFDIR else {
      list.files = [ManifestFile(path: path, identity: identity(info))]
      return list
    }
    let scan = scan(folder: path, identity: identity(info))
    if let failure = scan.failures.first { throw failure }
    list.files = scan.files
    list.warnings = scan.warnings
    return list
  }

  /// Everything below `folder` (whose stat identity is `identity`): its manifest files sorted
  /// by path, the folders walked (`folder` first), warnings for skipped entries, and every entry
  /// that could not be examined, in walk order (the folder watcher keeps what it knew below them).
  static func scan(folder: String, identity: FileIdentity) -> FolderScan {
    var scan = FolderScan()
    var visited: Set<FileIdentity> = [identity]
    walk(folder: folder, into: &scan, visited: &visited)
    scan.files.sort { $0.path < $1.path }
    scan.warnings.sort()
    return scan
  }

  /// Adds the manifest files below `folder` to `scan`.
  private static func walk(folder: String, into scan: inout FolderScan, visited: inout Set<FileIdentity>) {
    scan.folders.append(folder)
    let names: [String]
    do { names = try entries(of: folder) } catch {
      scan.failures.append(error)
      return
    }
    for name in names where !name.hasPrefix(".") {
      let full = folder.hasSuffix("/") ? folder + name : folder + "/" + name
      let info: stat
      do { info = try status(of: full) } catch {
        scan.failures.append(error)
        continue
      }
      switch info.st_mode & S_IFMT {
      case S_IFDIR:
        if visited.insert(identity(info)).inserted { walk(folder: full, into: &scan, visited: &visited) }
      case S_IFREG:
        if isManifestName(name) { scan.files.append(ManifestFile(path: full, identity: identity(info))) }
      default:
        if isManifestName(name) { scan.warnings.append(notRegularWarning(full, info.st_mode)) }
      }
    }
  }

  /// Whether a folder entry's name is one of a manifest (*.yaml, *.yml, *.json).
  static func isManifestName(_ name: String) -> Bool {
    manifestExtensions.contains((name as NSString).pathExtension.lowercased())
  }

  static func notRegularWarning(_ path: String, _ mode: mode_t) -> String {
    "\(path): skipped: not a regular file (\(typeName(mode)))"
  }

  /// The names in `folder` (hidden ones included), or an error naming it and saying why
  /// (opendir(3) first: Foundation's listing error does not carry the errno text).
  private static func entries(of folder: String) throws(ManifestError) -> [String] {
    guard let directory = opendir(folder) else {
      throw ManifestError(file: folder, message: "cannot list the folder: \(errnoText(errno))")
    }
    closedir(directory)
    do {
      return try FileManager.default.contentsOfDirectory(atPath: folder)
    } catch {
      throw ManifestError(file: folder, message: "cannot list the folder: \((error as NSError).localizedDescription)")
    }
  }

  /// stat(2) of `path` (following symbolic links), or an error naming it.
  static func status(of path: String) throws(ManifestError) -> stat {
    var info = stat()
    guard stat(path, &info) == 0 else { throw ManifestError(file: path, message: errnoText(errno)) }
    return info
  }

  static func identity(_ info: stat) -> FileIdentity {
    FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
  }

  private static func typeName(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFIFO: "a FIFO"
    case S_IFCHR: "a character device"
    case S_IFBLK: "a block device"
    case S_IFSOCK: "a socket"
    default: "not a file"
    }
  }

  /// The text of a file ("-" for standard input), at most ManifestDecoder.maxFileBytes long: a
  /// regular file over the limit is refused before it is read.
  static func read(_ path: String, maxBytes: Int = ManifestDecoder.maxFileBytes) throws(ManifestError) -> String {
    let name = path == "-" ? stdinName : path
    let descriptor: Int32
    if path == "-" {
      descriptor = STDIN_FILENO
    } else {
      descriptor = open(path, O_RDONLY | O_CLOEXEC)
      guard descriptor >= 0 else { throw ManifestError(file: name, message: errnoText(errno)) }
    }
    defer { if path != "-" { close(descriptor) } }
    let tooLarge = ManifestError(file: name, message: "file is larger than the limit of \(maxBytes / 1024 / 1024) MiB")
    var info = stat()
    if fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG, Int(info.st_size) > maxBytes { throw tooLarge }
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let n = Glibc.read(descriptor, &chunk, chunk.count)
      if n == 0 { break }
      if n < 0 {
        if errno == EINTR { continue }
        throw ManifestError(file: name, message: "cannot read: \(errnoText(errno))")
      }
      data += chunk[0..<n]
      if data.count > maxBytes { throw tooLarge }
    }
    var bytes = data[...]
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw ManifestError(file: name, message: "file is not valid UTF-8 text")
    }
    return text
  }

  /// The C library's text for an errno value, starting lower-case ("no such file or directory").
  static func errnoText(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    return text.prefix(1).lowercased() + text.dropFirst()
  }
}
