// The shape of a bad-input test case (name, manifest text, the exact error line expected) and
// small builders for the manifests the tables share.
import Testing

struct BadInputCase: CustomTestStringConvertible, Sendable {
  var name: String
  var text: String
  var expected: String
  var testDescription: String { name }
}

/// A v1 Service named `name` with the given `spec:` body lines (indented by two spaces here).
func serviceYAML(name: String = "web", namespace: String? = nil, _ specLines: String) -> String {
  var text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: \(name)\n"
  if let namespace { text += "  namespace: \(namespace)\n" }
  text += "spec:\n"
  for line in specLines.split(separator: "\n", omittingEmptySubsequences: false) { text += "  \(line)\n" }
  return text
}

/// An object of `kind` with `metadata.name` set to a YAML scalar, as written (quote it yourself).
func namedObjectYAML(apiVersion: String = "v1", kind: String, rawName: String, body: String = "") -> String {
  "apiVersion: \(apiVersion)\nkind: \(kind)\nmetadata:\n  name: \(rawName)\n\(body)"
}
