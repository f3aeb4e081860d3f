// The recording format: DIR/recording.json (what was recorded, from where, when) and
// DIR/events.jsonl, one line per list/watch event with its time since the start and the objects
// as Kubernetes JSON (KubeAPI's encoding: exactly what kproxy decoded), read back by the same decoder.
import Foundation
import KubeAPI
import KubeSource

/// One line of events.jsonl.
public struct RecordedEvent: Sendable, Equatable {
  /// Seconds since the recording started.
  public var at: Double
  /// The API resource (`services`, `endpointslices`, …).
  public var resource: String
  public var event: ResourceEvent

  public init(at: Double, resource: String, event: ResourceEvent) {
    self.at = at
    self.resource = resource
    self.event = event
  }

  /// The line (without its newline), or nil for an event that is not recorded.
  public func jsonLine() throws -> String {
    var o: [String: Any] = ["at": (at * 1_000_000).rounded() / 1_000_000, "resource": resource]
    func item(_ a: APIObject) -> [String: Any] { ["resourceVersion": a.resourceVersion, "object": a.object.jsonObject] }
    switch event {
    case .replaced(let objects, let rejected):
      o["type"] = "replaced"
      o["objects"] = objects.map(item)
      if !rejected.isEmpty { o["rejectedKeys"] = rejected.map(\.description).sorted() }
    case .synced: o["type"] = "synced"
    case .added(let a): (o["type"], o["item"]) = ("added", item(a))
    case .modified(let a): (o["type"], o["item"]) = ("modified", item(a))
    case .deleted(let a): (o["type"], o["item"]) = ("deleted", item(a))
    case .rejected(let r): (o["type"], o["reason"]) = ("rejected", r.description)
    case .interrupted(let reason, let retryDelay, let relist):
      (o["type"], o["reason"], o["retryDelay"], o["relist"]) = ("interrupted", reason, retryDelay, relist)
    }
    return String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
  }

  /// Parses line `number` of `file`; errors name the file, line and field.
  public static func parse(_ line: String, file: String, number: Int) throws(RecordingError) -> RecordedEvent {
    let here = "\(file) line \(number)"
    guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
      throw .invalid("\(here): not a JSON object")
    }
    guard let at = o["at"] as? Double, let resource = o["resource"] as? String, let type = o["type"] as? String else {
      throw .invalid("\(here): needs at, resource and type")
    }
    func item(_ value: Any?, _ field: String) throws(RecordingError) -> APIObject {
      guard let d = value as? [String: Any], let object = d["object"] else {
        throw .invalid("\(here): \(field): expected {resourceVersion, object}")
      }
      let text: String
      do {
        text = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
      } catch {
        throw .invalid("\(here): \(field).object: \(error)")
      }
      let decoded: [DecodedObject]
      do {
        decoded = try ManifestDecoder.decodeObjects(text, file: "\(here) \(field)").objects
      } catch {
        throw .invalid(error.description)
      }
      guard decoded.count == 1 else { throw .invalid("\(here): \(field).object: not an object kproxy reads") }
      return APIObject(object: decoded[0].object, resourceVersion: d["resourceVersion"] as? String ?? "")
    }
    let event: ResourceEvent
    switch type {
    case "replaced":
      var objects: [APIObject] = []
      for (i, value) in (o["objects"] as? [Any] ?? []).enumerated() { objects.append(try item(value, "objects[\(i)]")) }
      let rejected = (o["rejectedKeys"] as? [String] ?? []).map { key in
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        return parts.count == 2 ? NamespacedName(namespace: parts[0], name: parts[1]) : NamespacedName(namespace: "", name: key)
      }
      event = .replaced(objects, rejected: Set(rejected))
    case "synced": event = .synced
    case "added": event = .added(try item(o["item"], "item"))
    case "modified": event = .modified(try item(o["item"], "item"))
    case "deleted": event = .deleted(try item(o["item"], "item"))
    case "interrupted":
      event = .interrupted(
        reason: o["reason"] as? String ?? "", retryDelay: o["retryDelay"] as? Double ?? 0, relist: o["relist"] as? Bool ?? false)
    case "rejected":
      event = .interrupted(reason: "rejected: \(o["reason"] as? String ?? "")", retryDelay: 0, relist: false)
    default: throw .invalid("\(here): type: \(type) is not replaced, synced, added, modified, deleted, rejected or interrupted")
    }
    return RecordedEvent(at: at, resource: resource, event: event)
  }
}

/// A recording that cannot be written or read.
public enum RecordingError: Error, Equatable, CustomStringConvertible {
  case invalid(String)
  case io(String)
  public var description: String {
    switch self {
    case .invalid(let s), .io(let s): s
    }
  }
}

/// A recording folder: its description and its events, in order.
public struct Recording: Sendable {
  public static let format = "kproxy-recording/1"
  public var hostname: String
  public var server: String
  public var events: [RecordedEvent]

  public init(hostname: String, server: String, events: [RecordedEvent]) {
    self.hostname = hostname
    self.server = server
    self.events = events
  }

  public static func load(directory: String) throws(RecordingError) -> Recording {
    let metaPath = directory + "/recording.json"
    guard let data = FileManager.default.contents(atPath: metaPath),
      let meta = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    else { throw .io("\(metaPath): cannot be read (is \(directory) a recording made by kproxy record?)") }
    guard meta["format"] as? String == format else { throw .invalid("\(metaPath): format: expected \(format)") }
    let eventsPath = directory + "/events.jsonl"
    guard let text = try? String(contentsOfFile: eventsPath, encoding: .utf8) else { throw .io("\(eventsPath): cannot be read") }
    var events: [RecordedEvent] = []
    for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
      events.append(try RecordedEvent.parse(String(line), file: eventsPath, number: i + 1))
    }
    return Recording(hostname: meta["hostname"] as? String ?? "", server: meta["server"] as? String ?? "", events: events)
  }
}
