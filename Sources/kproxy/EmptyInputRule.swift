// The guard against wiping a node by accident: `apply` refuses input without a single Service
// unless --allow-empty is given; `cleanup` is the command that removes everything.

enum EmptyInputRule {
  /// The message for input that has no Service.
  static func refusal(paths: [String]) -> String {
    let source = paths.isEmpty ? "no --manifests given" : "no Service in \(paths.joined(separator: ", "))"
    return
      "\(source): applying would delete every service's rules; nothing was changed (pass --allow-empty to do it on purpose, or run `kproxy cleanup` to remove kproxy's tables)"
  }
}
