// `kproxy-bench --decode FILE [--repeat N]`: decodes one manifest file with ManifestDecoder (no
// compile) and prints the best wall time of N runs, the throughput and the object count.
import Foundation
import KubeAPI

enum DecodeBench {
  static func run(file: String, repeats: Int) throws {
    let text = try String(contentsOfFile: file, encoding: .utf8)
    var best = Double.infinity
    var objects = 0
    for _ in 0..<repeats {
      let start = ResourceUsage.wall()
      let manifest = try ManifestDecoder.decodeObjects(text, file: file)
      best = min(best, ResourceUsage.wall() - start)
      objects = manifest.objects.count
    }
    let megabytes = Double(text.utf8.count) / 1_000_000
    print(
      "\(file.split(separator: "/").last ?? ""): \(String(format: "%.1f", megabytes)) MB, \(objects) objects, "
        + "best of \(repeats): \(String(format: "%.3f", best)) s, \(String(format: "%.0f", megabytes / best)) MB/s, "
        + "peak RSS \(ResourceUsage.peakRSS() / 1_000_000) MB")
  }
}
