// List pages and watch events as the API server sends them, parsed once: page metadata, items
// decoded alone (paths start at the item, errors name the item's key), the kind's defaults, and
// watch events' type, resourceVersion and Status fields.
import Testing

@testable import KubeAPI

@Suite struct APIResponseDecoderTests {
  static let services = APIObjectType(apiVersion: "v1", kind: "Service", namespaced: true)

  static func service(_ name: String, port: Int = 80, rv: String? = "5", extra: String = "") -> String {
    let version = rv.map { #","resourceVersion":"\#($0)""# } ?? ""
    return
      #"{"metadata":{"name":"\#(name)","namespace":"default"\#(version)},"spec":{"clusterIP":"10.96.0.1","ports":[{"port":\#(port)}]}\#(extra)}"#
  }

  static func page(_ items: [String], meta: String = #"{"resourceVersion":"9","continue":"next"}"#) -> [UInt8] {
    Array(#"{"kind":"ServiceList","apiVersion":"v1","metadata":\#(meta),"items":[\#(items.joined(separator: ","))]}"#.utf8)
  }

  static func describe(_ item: APIItem) -> String {
    switch item.result {
    case .success(let object): "\(object.kind) \(object.meta.key) rv \(item.resourceVersion ?? "-")"
    case .failure(let error): "rejected \(item.key?.description ?? "-"): \(error)"
    }
  }

  @Test func pageMetadataAndItems() throws {
    let page = try #require(
      APIResponseDecoder.decodeListPage(
        Self.page([Self.service("a"), Self.service("bad", port: 70000), Self.service("norv", rv: nil), "5", Self.service("b", rv: "")]),
        as: Self.services, source: "list services"))
    #expect(page.resourceVersion == "9")
    #expect(page.continueToken == "next")
    #expect(
      page.items.map(Self.describe) == [
        "Service default/a rv 5",
        "rejected default/bad: list services doc 1 (default/bad): spec.ports[0].port: 70000 is not a valid port (must be 1-65535)",
        "rejected default/norv: list services default/norv: metadata.resourceVersion: missing",
        "rejected default/b: list services default/b: metadata.resourceVersion: missing",
      ])
  }

  @Test func lastPageAndMissingMetadata() throws {
    let last = try #require(
      APIResponseDecoder.decodeListPage(Self.page([], meta: #"{"resourceVersion":"3","continue":""}"#), as: Self.services, source: "l"))
    #expect(last.resourceVersion == "3" && last.continueToken == nil && last.items.isEmpty)
    let bare = try #require(APIResponseDecoder.decodeListPage(Array(#"{"items":[]}"#.utf8), as: Self.services, source: "l"))
    #expect(bare.resourceVersion == "" && bare.continueToken == nil)
  }

  @Test(arguments: [
    #"{"items":null}"#, #"{"items":{}}"#, #"{"kind":"ServiceList"}"#, "[]", #"{"items":[]"#, "", #"{"items":[],"items":[]}"#,
  ])
  func notAList(_ text: String) {
    #expect(APIResponseDecoder.decodeListPage(Array(text.utf8), as: Self.services, source: "l") == nil)
  }

  @Test func kindAndAPIVersionDefaultToTheTypeWhenAbsent() throws {
    let items = [
      Self.service("given", extra: #","kind":"Service","apiVersion":"v1""#),
      Self.service("nullkind", extra: #","kind":null"#),
      Self.service("widget", extra: #","kind":"Widget""#),
    ]
    let page = try #require(APIResponseDecoder.decodeListPage(Self.page(items), as: Self.services, source: "list services"))
    #expect(
      page.items.map(Self.describe) == [
        "Service default/given rv 5",
        "rejected default/nullkind: list services doc 1: kind: required field is missing",
        "rejected default/widget: list services default/widget: not a Service of v1",
      ])
  }

  @Test func clusterScopedKeysHaveNoNamespace() throws {
    let nodes = APIObjectType(apiVersion: "v1", kind: "Node", namespaced: false)
    let text =
      #"{"items":[{"metadata":{"name":"n1","namespace":"x","resourceVersion":"1"},"status":{"addresses":[{"type":"InternalIP","address":"nope"}]}}]}"#
    let page = try #require(APIResponseDecoder.decodeListPage(Array(text.utf8), as: nodes, source: "list nodes"))
    #expect(
      page.items.map(Self.describe) == [
        "rejected n1: list nodes doc 1 (n1): status.addresses[0].address: \"nope\" is not a valid IP address"
      ])
  }

  @Test func watchEvents() throws {
    let added = try #require(APIWatchEvent(line: Array(#"{"type":"ADDED","object":\#(Self.service("a", rv: "7"))}"#.utf8)))
    #expect(added.type == "ADDED" && added.resourceVersion == "7")
    #expect(Self.describe(added.decodeObject(as: Self.services, source: "watch services")) == "Service default/a rv 7")
    let bad = try #require(APIWatchEvent(line: Array(#"{"type":"MODIFIED","object":\#(Self.service("a", port: 0))}  "#.utf8)))
    #expect(
      Self.describe(bad.decodeObject(as: Self.services, source: "watch services"))
        == "rejected default/a: watch services doc 1 (default/a): spec.ports[0].port: 0 is not a valid port (must be 1-65535)")
    let bookmark = try #require(APIWatchEvent(line: Array(#"{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"12"}}}"#.utf8)))
    #expect(bookmark.resourceVersion == "12")
    let error = try #require(
      APIWatchEvent(line: Array(#"{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old"}}"#.utf8)))
    #expect(error.status.code == 410 && error.status.reason == "Expired" && error.status.message == "too old")
    #expect(error.resourceVersion == nil)
  }

  @Test(arguments: [
    "", "{}", #"{"type":"ADDED"}"#, #"{"type":1,"object":{}}"#, #"{"type":"ADDED","object":[]}"#, #"{"type":"ADDED","object":{}} x"#,
  ])
  func notAWatchEvent(_ line: String) {
    #expect(APIWatchEvent(line: Array(line.utf8)) == nil)
  }
}
