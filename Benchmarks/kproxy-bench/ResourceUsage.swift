// Peak resident set size, process CPU time and wall time for the benchmark table.
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

  /// Current resident set size in bytes (the second field of /proc/self/statm, in pages;
  /// 0 if unreadable).
  static func currentRSS() -> Int {
    guard let f = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(f) }
    var line = [CChar](repeating: 0, count: 256)
    guard fgets(&line, 256, f) != nil else { return 0 }
    let bytes = line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    let fields = String(decoding: bytes, as: UTF8.self).split(separator: " ")
    guard fields.count >= 2, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
  }

  /// Current RSS after returning the allocator's free pages to the kernel (glibc
  /// `malloc_trim`, looked up at run time): differences measure what a structure holds
  /// rather than what freed memory the heap kept.
  static func trimmedRSS() -> Int {
    typealias Trim = @convention(c) (Int) -> Int32
    if let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
      _ = unsafeBitCast(sym, to: Trim.self)(0)
    }
    return currentRSS()
  }

  /// User and system CPU seconds of this process so far (system time includes the kernel's
  /// work on our netlink messages, which it does in our context).
  static func cpu() -> (user: Double, sys: Double) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return (
      Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
      Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    )
  }

  /// CPU time of this (single-threaded) process in seconds: unlike wall time it does not
  /// count time spent waiting for a core, so figures stay comparable on a busy machine.
  static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }

  static func wall() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }
}
