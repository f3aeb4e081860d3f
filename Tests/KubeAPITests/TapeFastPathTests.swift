// The one-pass JSON decoders (EndpointSlice, its endpoints and ports, labels) against the general
// decoders: the same text read as JSON (fast path) and as YAML (Yams, general path) gives the same
// objects or the same error line, for common and unusual shapes of every field they read.
import Testing

@testable import KubeAPI

@Suite struct TapeFastPathTests {
  /// The result of decoding `text`, as objects or an error line.
  static func decode(_ text: String) -> Result<[KubeObject], ManifestError> {
    do { return .success(try ManifestDecoder.decodeObjects(text, file: "t").objects.map(\.object)) } catch { return .failure(error) }
  }

  /// `json` through the tape, and the same text through Yams (a comment line first makes it YAML).
  static func expectSameAsGeneralPath(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(DocumentContext.jsonStart(Array(json.utf8)) != nil, sourceLocation: sourceLocation)
    #expect(decode(json) == decode("# read as YAML\n" + json), "\(json)", sourceLocation: sourceLocation)
  }

  static func slice(endpoints: String = #"[{"addresses":["10.0.0.1"]}]"#, ports: String = "[]", addressType: String = #""IPv4""#, labels: String = "{}") -> String {
    #"{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"s","namespace":"ns","labels":"#
      + labels + #"},"addressType":"# + addressType + #","endpoints":"# + endpoints + #","ports":"# + ports + "}"
  }

  static let endpointCases = [
    #"[{"addresses":["10.0.0.1"],"conditions":{"ready":true,"serving":false,"terminating":null},"nodeName":"node-1","zone":"z1"}]"#,
    #"[{"addresses":["10.0.0.1","10.0.0.2"],"conditions":null,"nodeName":null,"zone":null,"hints":null,"targetRef":{"kind":"Pod"}}]"#,
    #"[{"addresses":["10.0.0.1"],"hints":{"forZones":[{"name":"a"}],"forNodes":[{"name":"n1"}]}}]"#,
    #"[{"addresses":["10.0.0.1"],"hints":{"forZones":[{"name":"a"},{"name":"a"}]}}]"#,
    #"[{"addresses":["010.000.000.001"]}]"#,
    #"[{"addresses":["::ffff:10.0.0.1"]}]"#,
    #"[{"addresses":["fd00::1"]}]"#,
    #"[{"addresses":["10.0.0.1 "]}]"#,
    #"[{"addresses":[]}]"#,
    #"[{"addresses":null}]"#,
    #"[{}]"#,
    #"[{"addresses":"10.0.0.1"}]"#,
    #"[{"addresses":[10]}]"#,
    #"[{"addresses":["10.0.0.1"],"addresses":["10.0.0.2"]}]"#,
    #"[{"addresses":["10.0.0.1"],"conditions":{"ready":"true"}}]"#,
    #"[{"addresses":["10.0.0.1"],"conditions":{"ready":true,"ready":false}}]"#,
    #"[{"addresses":["10.0.0.1"],"conditions":[]}]"#,
    #"[{"addresses":["10.0.0.1"],"nodeName":"Node_1"}]"#,
    #"[{"addresses":["10.0.0.1"],"nodeName":5}]"#,
    #"[{"addresses":["10.0.0.1"],"zone":true}]"#,
    #"[{"addresses":["10.0.0.1"]},{"addresses":["10.0.0.2"],"nodeName":"bad name"},{"addresses":["x"]}]"#,
    #"[{"addresses":["10.0.0.1"]}, 5]"#,
    #"{"addresses":["10.0.0.1"]}"#,
    "null",
    "[]",
  ]

  @Test(arguments: endpointCases) func endpoints(_ endpoints: String) {
    Self.expectSameAsGeneralPath(Self.slice(endpoints: endpoints))
  }

  static let portCases = [
    #"[{"name":"http","protocol":"TCP","port":80},{"name":"dns","protocol":"UDP","port":53}]"#,
    #"[{"port":8080},{"name":"","protocol":"SCTP"}]"#,
    #"[{"name":null,"protocol":null,"port":null}]"#,
    #"[{"name":"http","port":80},{"name":"http","port":81}]"#,
    #"[{"name":"Http","port":80}]"#,
    #"[{"name":"http","protocol":"tcp","port":80}]"#,
    #"[{"port":0}]"#, #"[{"port":65535}]"#, #"[{"port":65536}]"#, #"[{"port":-1}]"#, #"[{"port":80.0}]"#,
    #"[{"port":8e1}]"#, #"[{"port":"80"}]"#, #"[{"port":99999999999999999999}]"#,
    #"[{"port":80,"port":81}]"#, #"[5]"#, #"{"port":80}"#,
  ]

  @Test(arguments: portCases) func ports(_ ports: String) {
    Self.expectSameAsGeneralPath(Self.slice(ports: ports))
  }

  @Test(arguments: [#""IPv6""#, #""FQDN""#, #""ipv4""#, "4", "null"]) func addressTypes(_ addressType: String) {
    Self.expectSameAsGeneralPath(Self.slice(endpoints: #"[{"addresses":["fd00::1"]},{"addresses":["nope"]}]"#, addressType: addressType))
  }

  @Test func limits() {
    let endpoint = #"{"addresses":["10.0.0.1"]}"#
    for count in [1000, 1001] {
      Self.expectSameAsGeneralPath(Self.slice(endpoints: "[" + Array(repeating: endpoint, count: count).joined(separator: ",") + "]"))
    }
    let addresses = (0..<101).map { #""10.0.1.\#($0)""# }
    for count in [100, 101] {
      Self.expectSameAsGeneralPath(Self.slice(endpoints: #"[{"addresses":["# + addresses.prefix(count).joined(separator: ",") + "]}]"))
    }
    for count in [100, 101] {
      let ports = (0..<count).map { #"{"name":"p\#($0)","port":\#($0 + 1)}"# }
      Self.expectSameAsGeneralPath(Self.slice(ports: "[" + ports.joined(separator: ",") + "]"))
    }
  }

  static let labelCases = [
    #"{"app":"web","kubernetes.io/service-name":"web","empty":""}"#,
    #"{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6","g":"7","h":"8","i":"9","j":"10"}"#,
    #"{"a":"1","a":"2"}"#,
    #"{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6","g":"7","h":"8","i":"9","a":"10"}"#,
    #"{"bad key":"x"}"#, #"{"app":"bad value"}"#, #"{"app":5}"#, #"{"app":null}"#, #"{"a\u0070p":"w\u0065b"}"#,
    "null", "[]", #""app""#,
  ]

  @Test(arguments: labelCases) func labels(_ labels: String) {
    Self.expectSameAsGeneralPath(Self.slice(labels: labels))
  }
}
