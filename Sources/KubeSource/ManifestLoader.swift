// Loads manifests from files, folders and standard input into one ObjectSet, rejecting objects
// defined twice (same kind and namespace/name) with an error that names both places.
import KubeAPI

/// Reads and decodes manifest files and folders.
public struct ManifestLoader: Sendable {
  public init() {}

  /// Reads files and folders (recursively: *.yaml, *.yml, *.json, sorted by path for determinism),
  /// decodes them, and rejects duplicates (same kind + namespace/name twice). "-" reads standard input.
  public func load(paths: [String]) throws(ManifestError) -> ObjectSet {
    var objects = ObjectSet()
    var firstPlaces: [ObjectIdentity: String] = [:]
    for path in paths {
      for file in try ManifestFileReader.files(at: path) {
        let name = file == "-" ? ManifestFileReader.stdinName : file
        let manifest = try ManifestDecoder.decodeObjects(try ManifestFileReader.read(file), file: name)
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
}

/// What makes two objects "the same": kind, namespace and name.
struct ObjectIdentity: Hashable {
  var kind: String
  var key: NamespacedName
}
