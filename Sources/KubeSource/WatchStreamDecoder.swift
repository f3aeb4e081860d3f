// Splits a watch response body into events: newline-delimited JSON `{"type":..,"object":..}`,
// pieces of one event joined across chunks, each parsed once (KubeAPI's APIWatchEvent); an
// unfinished last line is never returned.
import KubeAPI

/// Accumulates body chunks and hands out complete lines.
struct WatchStreamDecoder {
  private var pending: [UInt8] = []
  let maxLineBytes: Int

  init(maxLineBytes: Int) { self.maxLineBytes = maxLineBytes }

  /// The complete lines in `chunk` (plus what was pending), parsed; throws on a line that is not
  /// a watch event or on one longer than `maxLineBytes`.
  mutating func feed<Bytes: Sequence<UInt8>>(_ chunk: Bytes) throws(WatchStreamError) -> [APIWatchEvent] {
    pending.append(contentsOf: chunk)
    var lines: [APIWatchEvent] = []
    var start = 0
    while let end = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
      let line = pending[start..<end]
      start = end + 1
      if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { continue }
      lines.append(try Self.parse(line))
    }
    pending.removeFirst(start)
    if pending.count > maxLineBytes {
      throw WatchStreamError(message: "a watch event is longer than \(maxLineBytes) bytes")
    }
    return lines
  }

  static func parse(_ line: ArraySlice<UInt8>) throws(WatchStreamError) -> APIWatchEvent {
    guard let event = APIWatchEvent(line: Array(line)) else {
      let preview = String(decoding: line.prefix(120), as: UTF8.self)
      throw WatchStreamError(message: "invalid watch event: \(preview)")
    }
    return event
  }
}

struct WatchStreamError: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}
