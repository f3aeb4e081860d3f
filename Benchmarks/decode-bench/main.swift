// decode-bench FILE [--repeat N]: decodes one manifest file with ManifestDecoder (no compile) and
// prints the best wall time of N runs, the throughput, the object count and the peak RSS.
import Foundation
import KubeAPI

#if canImport(Glibc)
  import Glibc
#endif

let args = Array(CommandLine.arguments.dropFirst())
guard let file = args.first else {
  print("usage: decode-bench FILE [--repeat N]")
  exit(2)
}
let repeats = args.firstIndex(of: "--repeat").flatMap { $0 + 1 < args.count ? Int(args[$0 + 1]) : nil } ?? 3

do {
  let text = try String(contentsOfFile: file, encoding: .utf8)
  var best = Duration.seconds(1_000_000)
  var objects = 0
  let clock = ContinuousClock()
  for _ in 0..<max(1, repeats) {
    let start = clock.now
    let manifest = try ManifestDecoder.decodeObjects(text, file: file)
    best = min(best, clock.now - start)
    objects = manifest.objects.count
  }
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
  let megabytes = Double(text.utf8.count) / 1_000_000
  print(
    "\(file.split(separator: "/").last ?? ""): \(String(format: "%.1f", megabytes)) MB, \(objects) objects, "
      + "best of \(max(1, repeats)): \(String(format: "%.3f", seconds)) s, \(String(format: "%.0f", megabytes / seconds)) MB/s, "
      + "peak RSS \(usage.ru_maxrss / 1000) MB")
} catch {
  print("decode-bench: \(error)")
  exit(1)
}
