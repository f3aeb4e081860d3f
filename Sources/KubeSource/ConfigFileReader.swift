// Reads a configuration file (KubeProxyConfiguration) as text, with the same checks and the
// same error wording as manifests: `config.yaml: no such file or directory`.
import KubeAPI

public enum ConfigFileReader {
  /// The UTF-8 text of `path` ("-" is standard input); errors name the path and the reason.
  public static func text(at path: String) throws(ManifestError) -> String {
    try ManifestFileReader.read(path)
  }
}
