// Decodes and validates `metadata`: the name (with the syntax the kind requires) and namespace
// first, then labels, annotations and deletionTimestamp.

/// Which name grammar a kind's `metadata.name` must follow.
enum ObjectNameRule {
  case dns1035Label
  case dns1123Subdomain

  var what: String {
    switch self {
    case .dns1035Label: "name (DNS-1035 label)"
    case .dns1123Subdomain: "name (DNS-1123 subdomain)"
    }
  }

  func problem(_ name: String) -> String? {
    switch self {
    case .dns1035Label: NameSyntax.dns1035LabelProblem(name)
    case .dns1123Subdomain: NameSyntax.dns1123SubdomainProblem(name)
    }
  }
}

extension ObjectMeta {
  /// Decodes `metadata.name` and `metadata.namespace` (which identify the object in errors);
  /// cluster-scoped kinds get an empty namespace.
  static func decodeIdentity(_ object: FieldReader, nameRule: ObjectNameRule, namespaced: Bool) throws(FieldError) -> ObjectMeta {
    if let meta = identityInOnePass(object, nameRule: nameRule, namespaced: namespaced) { return meta }
    let metadata = try object.required("metadata")
    let nameField = try metadata.required("name")
    let name = try nameField.checked(try nameField.asString(), as: nameRule.what, nameRule.problem)
    var namespace = ""
    if namespaced {
      namespace = "default"
      if let field = try metadata.optional("namespace") {
        let text = try field.asString()
        if !text.isEmpty { namespace = try field.checked(text, as: "namespace (DNS-1123 label)", NameSyntax.dns1123LabelProblem) }
      }
    }
    return ObjectMeta(name: name, namespace: namespace)
  }

  /// Decodes the rest of `metadata`: labels, annotations and deletionTimestamp.
  mutating func decodeDetails(_ object: FieldReader) throws(FieldError) {
    if try detailsInOnePass(object) { return }
    let metadata = try object.required("metadata")
    labels = try metadata.labelMap("labels") ?? [:]
    annotations = try metadata.annotationMap("annotations")
    deletionTimestamp = try metadata.string("deletionTimestamp")
  }
}

extension FieldReader {
  /// A map with label-syntax keys and values (labels, selectors); nil when absent.
  func labelMap(_ key: String) throws(FieldError) -> [String: String]? {
    if let (tape, member) = try tapeLeaf(key) {
      guard let member else { return nil }
      if let labels = try tape.stringMap(member, keys: ValidName.isQualifiedName, values: ValidName.isLabelValue) { return labels }
    }
    guard let entries = try stringMap(key) else { return nil }
    var result: [String: String] = [:]
    for (labelKey, value, valueReader) in entries {
      if let reason = NameSyntax.qualifiedNameProblem(labelKey) {
        throw .invalid(field: childPath(key), reason: "\(quoted(labelKey)) is not a valid label key: \(reason)")
      }
      _ = try valueReader.checked(value, as: "label value", NameSyntax.labelValueProblem)
      result[labelKey] = value
    }
    return result
  }

  /// Annotations: qualified-name keys, any string values.
  func annotationMap(_ key: String) throws(FieldError) -> [String: String] {
    if let (tape, member) = try tapeLeaf(key) {
      guard let member else { return [:] }
      if let annotations = try tape.stringMap(member, keys: ValidName.isQualifiedName, values: { _ in true }) { return annotations }
    }
    var result: [String: String] = [:]
    for (annotationKey, value, _) in try stringMap(key) ?? [] {
      if let reason = NameSyntax.qualifiedNameProblem(annotationKey) {
        throw .invalid(field: childPath(key), reason: "\(quoted(annotationKey)) is not a valid annotation key: \(reason)")
      }
      result[annotationKey] = value
    }
    return result
  }
}
