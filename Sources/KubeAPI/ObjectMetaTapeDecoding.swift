// ObjectMeta's fast paths for JSON: `metadata` read from the tape in one walk over its members
// (name, namespace, labels, annotations, deletionTimestamp); anything unusual is left to the
// general decoders, so every error is theirs.

extension ObjectMeta {
  /// The `metadata` object of the tape value `object` reads, when it is a plain tape value.
  private static func metadataObject(_ object: FieldReader) -> (tape: JSONTape, index: Int)? {
    guard let (tape, index) = object.plainTapeValue, let top = tape.members(of: index, ["metadata"]),
      let metadata = tape.value(top[0])
    else { return nil }
    return (tape, metadata)
  }

  /// `decodeIdentity` for a valid name and namespace; nil for anything else.
  static func identityInOnePass(_ object: FieldReader, nameRule: ObjectNameRule, namespaced: Bool) -> ObjectMeta? {
    guard let (tape, metadata) = metadataObject(object), let fields = tape.members(of: metadata, ["name", "namespace"]),
      let name = tape.value(fields[0]).flatMap(tape.stringValue), nameRule.problem(name) == nil
    else { return nil }
    guard namespaced else { return ObjectMeta(name: name, namespace: "") }
    guard let member = tape.value(fields[1]) else { return ObjectMeta(name: name, namespace: "default") }
    guard let namespace = tape.stringValue(member), namespace.isEmpty || ValidName.isDNS1123Label(namespace) else { return nil }
    return ObjectMeta(name: name, namespace: namespace.isEmpty ? "default" : namespace)
  }

  /// `decodeDetails` for valid labels and annotations; false (nothing set) for anything else.
  mutating func detailsInOnePass(_ object: FieldReader) throws(FieldError) -> Bool {
    guard let (tape, metadata) = Self.metadataObject(object),
      let fields = tape.members(of: metadata, ["labels", "annotations", "deletionTimestamp"])
    else { return false }
    var labels: [String: String] = [:]
    var annotations: [String: String] = [:]
    if let member = tape.value(fields[0]) {
      guard let map = try tape.stringMap(member, keys: ValidName.isQualifiedName, values: ValidName.isLabelValue, spend: false)
      else { return false }
      labels = map
    }
    if let member = tape.value(fields[1]) {
      guard let map = try tape.stringMap(member, keys: ValidName.isQualifiedName, values: { _ in true }, spend: false) else { return false }
      annotations = map
    }
    var deletion: String?
    if let member = tape.value(fields[2]) {
      guard let text = tape.stringValue(member) else { return false }
      deletion = text
    }
    // What `decodeDetails` spends listing the labels and annotations (all valid here).
    try tape.budget.spend(labels.count + annotations.count)
    self.labels = labels
    self.annotations = annotations
    deletionTimestamp = deletion
    return true
  }
}
