// decode-bench FILE [--repeat N]: decodes one manifest file with ManifestDecoder (no compile) and
// prints the best wall time of N runs, the throughput, the object count and the peak RSS, and
// the best CPU time (this thread's user + sys) with its throughput, which a busy machine distorts less.
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
  var bestCPU = Double.infinity
  var objects = 0
  let clock = ContinuousClock()
  func cpuSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }
  for _ in 0..<max(1, repeats) {
    let start = clock.now
    let startCPU = cpuSeconds()
    let manifest = try ManifestDecoder.decodeObjects(text, file: file)
    best = min(best, clock.now - start)
    bestCPU = min(bestCPU, cpuSeconds() - startCPU)
    objects = manifest.objects.count
  }
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
  let megabytes = Double(text.utf8.count) / 1_000_000
  print(
    "\(file.split(separator: "/").last ?? ""): \(String(format: "%.1f", megabytes)) MB, \(objects) objects, "
      + "best of \(max(1, repeats)): \(String(format: "%.3f", seconds)) s, \(String(format: "%.0f", megabytes / seconds)) MB/s, "
      + "peak RSS \(usage.ru_maxrss / 1000) MB; best CPU \(String(format: "%.3f", bestCPU)) s, \(String(format: "%.0f", megabytes / bestCPU)) MB/s"
  )
} catch {
  print("decode-bench: \(error)")
  exit(1)
}
