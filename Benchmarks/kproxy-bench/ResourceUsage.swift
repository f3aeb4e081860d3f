// Peak resident set size and a monotonic clock for the benchmark table.
#if canImport(Glibc)
  import Glibc
#endif

enum ResourceUsage {
  /// Peak RSS of this process in bytes (getrusage ru_maxrss is in KiB on Linux).
  static func peakRSS() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
  }

  static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }
}
