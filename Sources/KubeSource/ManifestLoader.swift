// Loads manifests from files, folders and standard input into one ObjectSet, reading each file
// once, and rejecting objects defined twice (same kind and namespace/name) naming both places.
import KubeAPI

/// Reads and decodes manifest files and folders.
public struct ManifestLoader: Sendable {
  public init() {}

  /// Reads files and folders (recursively: *.yaml, *.yml, *.json, sorted by path for determinism),
  /// decodes them, and rejects duplicates (same kind + namespace/name twice). "-" reads standard
  /// input. A file reached twice (the same path given twice, or through a symbolic link) is read
  /// once. Folder entries that are not regular files are skipped, each with a line in `warnings`.
  public func load(paths: [String], warnings: inout [String]) throws(ManifestError) -> ObjectSet {
    var objects = ObjectSet()
    var firstPlaces: [ObjectIdentity: String] = [:]
    var seenFiles: Set<FileIdentity> = []
    for path in paths {
      let list = try ManifestFileReader.files(at: path)
      warnings += list.warnings
      for file in list.files {
        if let identity = file.identity, !seenFiles.insert(identity).inserted { continue }
        let name = file.path == "-" ? ManifestFileReader.stdinName : file.path
        let manifest = try ManifestDecoder.decodeObjects(try ManifestFileReader.read(file.path), file: name)
        for decoded in manifest.objects {
          let identity = ObjectIdentity(kind: decoded.object.kind, key: decoded.object.meta.key)
          let place = "\(name) \(decoded.location)"
          if let first = firstPlaces[identity] {
            throw ManifestError(
              file: name, document: decoded.document, object: identity.key.description, kind: identity.kind,
              field: decoded.item.map { "items[\($0)]" }, message: "duplicate \(identity.kind), first defined in \(first)")
          }
          firstPlaces[identity] = place
          objects.append(decoded.object)
        }
        objects.ignoredCount += manifest.ignoredCount
        objects.skipped += manifest.skipped
      }
    }
    return objects
  }

  /// `load(paths:warnings:)` for callers that have nowhere to report skipped folder entries.
  public func load(paths: [String]) throws(ManifestError) -> ObjectSet {
    var warnings: [String] = []
    return try load(paths: paths, warnings: &warnings)
  }
}

/// What makes two objects "the same": kind, namespace and name.
struct ObjectIdentity: Hashable {
  var kind: String
  var key: NamespacedName
}
