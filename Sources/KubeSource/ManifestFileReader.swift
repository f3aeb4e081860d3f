// Reads manifest files, folders and standard input as text, with the size limit applied before
// the whole file is read, and errors that carry the path and the errno text.
import Foundation
import KubeAPI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where manifest text comes from.
enum ManifestFileReader {
  static let stdinName = "<stdin>"
  static let manifestExtensions: Set<String> = ["yaml", "yml", "json"]

  /// The manifest files named by `path`: the file itself, or every *.yaml, *.yml and *.json file
  /// below a folder sorted by path. Names starting with "." are skipped (editor backups, the
  /// `..data` links of mounted ConfigMaps, which would otherwise be read twice).
  static func files(at path: String) throws(ManifestError) -> [String] {
    if path == "-" { return ["-"] }
    var info = stat()
    guard stat(path, &info) == 0 else { throw ManifestError(file: path, message: errnoText(errno)) }
    guard info.st_mode & S_IFMT == S_IFDIR else { return [path] }
    guard let enumerator = FileManager.default.enumerator(atPath: path) else {
      throw ManifestError(file: path, message: "cannot list the folder")
    }
    var files: [String] = []
    while let relative = enumerator.nextObject() as? String {
      let name = (relative as NSString).lastPathComponent
      if name.hasPrefix(".") {
        enumerator.skipDescendants()
        continue
      }
      let extensionName = (name as NSString).pathExtension.lowercased()
      guard manifestExtensions.contains(extensionName) else { continue }
      let full = path.hasSuffix("/") ? path + relative : path + "/" + relative
      var entryIsFolder: ObjCBool = false
      if FileManager.default.fileExists(atPath: full, isDirectory: &entryIsFolder), !entryIsFolder.boolValue {
        files.append(full)
      }
    }
    return files.sorted()
  }

  /// The text of a file ("-" for standard input), at most ManifestDecoder.maxFileBytes long.
  static func read(_ path: String) throws(ManifestError) -> String {
    let name = path == "-" ? stdinName : path
    let handle: FileHandle
    if path == "-" {
      handle = FileHandle.standardInput
    } else {
      let descriptor = open(path, O_RDONLY | O_CLOEXEC)
      guard descriptor >= 0 else { throw ManifestError(file: name, message: errnoText(errno)) }
      handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }
    let data: Data
    do {
      data = try handle.read(upToCount: ManifestDecoder.maxFileBytes + 1) ?? Data()
    } catch {
      throw ManifestError(file: name, message: "cannot read: \((error as NSError).localizedDescription)")
    }
    if data.count > ManifestDecoder.maxFileBytes {
      throw ManifestError(file: name, message: "file is larger than the limit of \(ManifestDecoder.maxFileBytes / 1024 / 1024) MiB")
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
