// A growable UTF-8 byte buffer with fast appenders for the numbers and addresses that make
// up most of a large ruleset's text (String interpolation is too slow at 100k rules).
import NetAddress

public struct TextBuffer: Sendable {
  public private(set) var bytes: [UInt8] = []

  public init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

  public var string: String { String(decoding: bytes, as: UTF8.self) }

  public mutating func append(_ s: StaticString) {
    s.withUTF8Buffer { bytes.append(contentsOf: $0) }
  }

  public mutating func append(_ s: String) {
    var s = s
    s.withUTF8 { bytes.append(contentsOf: $0) }
  }

  public mutating func append(byte: UInt8) { bytes.append(byte) }

  public mutating func append(decimal value: UInt64) {
    if value < 10 {
      bytes.append(UInt8(48 + value))
      return
    }
    // Digits come out least significant first: write them, then reverse them in place.
    let start = bytes.count
    var v = value
    while v > 0 {
      bytes.append(UInt8(48 + v % 10))
      v /= 10
    }
    var i = start
    var j = bytes.count - 1
    while i < j {
      bytes.swapAt(i, j)
      i += 1
      j -= 1
    }
  }

  public mutating func append(decimal value: Int) {
    if value < 0 {
      bytes.append(UInt8(ascii: "-"))
      append(decimal: UInt64(-value))
    } else {
      append(decimal: UInt64(value))
    }
  }

  /// `0x%08x`, as nft prints marks.
  public mutating func append(hex32 value: UInt32) {
    append("0x")
    let hexDigits: StaticString = "0123456789abcdef"
    hexDigits.withUTF8Buffer { hd in
      for shift in stride(from: 28, through: 0, by: -4) {
        bytes.append(hd[Int((value >> UInt32(shift)) & 0xf)])
      }
    }
  }

  public mutating func append(_ ip: IPv4Address) {
    let v = ip.value
    append(decimal: UInt64(v >> 24))
    bytes.append(46)
    append(decimal: UInt64((v >> 16) & 0xff))
    bytes.append(46)
    append(decimal: UInt64((v >> 8) & 0xff))
    bytes.append(46)
    append(decimal: UInt64(v & 0xff))
  }

  public mutating func append(_ ip: IPAddress) {
    switch ip {
    case .v4(let a): append(a)
    case .v6(let a): append(a.description)
    }
  }
}

extension TextBuffer {
  mutating func removeLast() { bytes.removeLast() }
}
