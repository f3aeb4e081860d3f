// Turns a Yams parse failure into one line: "invalid YAML at line L column C: problem",
// with the line counted from the start of the file rather than of the document.
import Yams

enum YAMLSyntaxError {
  /// `firstLine` is the file line where the parsed document text starts.
  static func message(_ error: any Error, firstLine: Int) -> String {
    guard let yamlError = error as? YamlError else { return "invalid YAML: \(error)" }
    switch yamlError {
    case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      let line = firstLine + mark.line - 1
      let detail = context.map { "\(problem) (\($0.text))" } ?? problem
      return "invalid YAML at line \(line) column \(mark.column): \(detail)"
    case .reader(let problem, let offset?, _, let yaml):
      // `offset` counts Characters; "\r\n" is one Character.
      let before = yaml.prefix(offset)
      let line = firstLine + before.count(where: { $0 == "\n" || $0 == "\r\n" })
      let column = before.reversed().prefix(while: { $0 != "\n" && $0 != "\r\n" }).count + 1
      return "invalid YAML at line \(line) column \(column): \(problem)"
    case .reader(let problem, nil, _, _):
      return "invalid YAML: \(problem)"
    default:
      return "invalid YAML: \(yamlError)"
    }
  }
}
