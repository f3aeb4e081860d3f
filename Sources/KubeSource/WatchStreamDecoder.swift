// Splits a watch response body into events: newline-delimited JSON `{"type":..,"object":..}`,
// pieces of one event joined across chunks; an unfinished last line is never returned.
import Foundation

/// One parsed line of a watch stream.
struct WatchLine {
  var type: String
  var object: [String: Any]
}

/// Accumulates body chunks and hands out complete lines.
struct WatchStreamDecoder {
  private var pending: [UInt8] = []
  let maxLineBytes: Int

  init(maxLineBytes: Int) { self.maxLineBytes = maxLineBytes }

  /// The complete lines in `chunk` (plus what was pending), parsed; throws on a line that is not
  /// a watch event or on one longer than `maxLineBytes`.
  mutating func feed<Bytes: Sequence<UInt8>>(_ chunk: Bytes) throws(WatchStreamError) -> [WatchLine] {
    pending.append(contentsOf: chunk)
    var lines: [WatchLine] = []
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

  static func parse(_ line: ArraySlice<UInt8>) throws(WatchStreamError) -> WatchLine {
    guard let value = try? JSONSerialization.jsonObject(with: Data(line)), let event = value as? [String: Any],
      let type = event["type"] as? String, let object = event["object"] as? [String: Any]
    else {
      let preview = String(decoding: line.prefix(120), as: UTF8.self)
      throw WatchStreamError(message: "invalid watch event: \(preview)")
    }
    return WatchLine(type: type, object: object)
  }
}

struct WatchStreamError: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}
