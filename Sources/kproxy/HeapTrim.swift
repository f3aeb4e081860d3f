// Gives freed heap memory back to the kernel after a full sync: the full compile, read-back and
// transaction of a full sync free hundreds of MB at 50k services that glibc would otherwise keep.

#if os(Linux)
  /// glibc's `int malloc_trim(size_t pad)` (in <malloc.h>, which the Glibc module does not export).
  @_silgen_name("malloc_trim") private func glibcMallocTrim(_ pad: Int) -> Int32
#endif

enum HeapTrim {
  /// Returns the free pages of every malloc arena to the kernel.
  static func releaseFreeMemory() {
    #if os(Linux)
      _ = glibcMallocTrim(0)
    #endif
  }
}
