// The one-pass JSON decoders (Service, EndpointSlice, metadata, labels) against the general
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

  static func slice(
    endpoints: String = #"[{"addresses":["10.0.0.1"]}]"#, ports: String = "[]", addressType: String = #""IPv4""#, labels: String = "{}"
  ) -> String {
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

  static func service(spec: String, status: String = "", metadata: String = #"{"name":"web","namespace":"ns"}"#) -> String {
    #"{"apiVersion":"v1","kind":"Service","metadata":"# + metadata + #","spec":"# + spec + status + "}"
  }

  static let specCases = [
    #"{"type":"ClusterIP","clusterIP":"10.96.0.1","clusterIPs":["10.96.0.1"],"ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080}],"selector":{"app":"web"},"sessionAffinity":"None","externalTrafficPolicy":"Cluster","internalTrafficPolicy":"Cluster"}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80}]}"#,
    #"{"clusterIPs":["10.96.0.1","fd00::1"],"ipFamilies":["IPv4","IPv6"],"ports":[{"port":80}]}"#,
    #"{"clusterIPs":["10.96.0.1","10.96.0.2"],"ports":[{"port":80}]}"#,
    #"{"clusterIPs":["10.96.0.1","fd00::1","fd00::2"],"ports":[{"port":80}]}"#,
    #"{"clusterIP":"10.96.0.2","clusterIPs":["10.96.0.1"],"ports":[{"port":80}]}"#,
    #"{"clusterIP":"10.96.0.1","ipFamilies":["IPv6"],"ports":[{"port":80}]}"#,
    #"{"clusterIP":"10.96.0.1","ipFamilies":["IPv4","IPv4"],"ports":[{"port":80}]}"#,
    #"{"clusterIP":"10.96.0.1","ipFamilies":["ipv4"],"ports":[{"port":80}]}"#,
    #"{"clusterIP":"nope","ports":[{"port":80}]}"#,
    #"{"clusterIP":5,"ports":[{"port":80}]}"#,
    #"{"clusterIP":"None","selector":{"app":"web"}}"#,
    #"{"clusterIP":"None","clusterIPs":["None","10.96.0.1"]}"#,
    #"{"clusterIP":"","clusterIPs":null,"ports":[{"port":80}]}"#,
    #"{"clusterIP":"10.96.0.1"}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80},{"port":81}]}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"name":"a","port":80},{"name":"a","port":81}]}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"name":"a","port":80},{"name":"b","port":80}]}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"name":"a","port":80},{"name":"b","port":80,"protocol":"UDP"}]}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"name":"A","port":80}]}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80,"protocol":"udp"}]}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80,"targetPort":"http"}]}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80,"targetPort":""}]}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80,"targetPort":0}]}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80,"targetPort":70000}]}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80,"targetPort":"bad_name"}]}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80,"targetPort":true}]}"#,
    #"{"type":"NodePort","clusterIP":"10.96.0.1","ports":[{"port":80,"nodePort":30080}]}"#,
    #"{"type":"NodePort","clusterIP":"10.96.0.1","ports":[{"port":80,"nodePort":0}]}"#,
    #"{"type":"NodePort","clusterIP":"10.96.0.1","ports":[{"port":80,"nodePort":70000}]}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":null}]}"#,
    #"{"clusterIP":"10.96.0.1","ports":{"port":80}}"#,
    #"{"type":"ExternalName","externalName":"example.com"}"#,
    #"{"type":"Other","clusterIP":"10.96.0.1","ports":[{"port":80}]}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80}],"externalIPs":["192.0.2.1"],"loadBalancerSourceRanges":[" 10.0.0.0/8"]}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80}],"externalIPs":[],"healthCheckNodePort":0,"trafficDistribution":null}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80}],"sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":60}}}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80}],"sessionAffinity":"clientip"}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80}],"externalTrafficPolicy":"Local","internalTrafficPolicy":"Local"}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80}],"internalTrafficPolicy":"local"}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80}],"selector":{"app":"bad value"}}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80}],"selector":{}}"#,
    #"{"clusterIP":"10.96.0.1","ports":[{"port":80}],"type":"ClusterIP","type":"NodePort"}"#,
    "null", "[]",
  ]

  @Test(arguments: specCases) func serviceSpecs(_ spec: String) {
    Self.expectSameAsGeneralPath(Self.service(spec: spec))
  }

  @Test(arguments: [
    #","status":{"loadBalancer":{}}"#, #","status":{}"#, #","status":null"#, #","status":{"loadBalancer":null}"#,
    #","status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.9"}]}}"#, #","status":{"loadBalancer":{"ingress":null}}"#,
    #","status":[]"#, #","status":{"loadBalancer":5}"#,
  ]) func serviceStatus(_ status: String) {
    Self.expectSameAsGeneralPath(Self.service(spec: #"{"clusterIP":"10.96.0.1","ports":[{"port":80}]}"#, status: status))
  }

  static let metadataCases = [
    #"{"name":"web"}"#, #"{"name":"web","namespace":""}"#, #"{"name":"web","namespace":null}"#, #"{"name":"web","namespace":"Bad"}"#,
    #"{"name":"web","namespace":5}"#, #"{"name":"Web"}"#, #"{"name":null}"#, #"{}"#, #"{"name":"web","name":"web"}"#,
    #"{"name":"web","labels":{"a":"b"},"annotations":{"example.com/x":"any text"},"deletionTimestamp":"2026-12-05T00:00:00Z"}"#,
    #"{"name":"web","annotations":{"bad key":"x"}}"#, #"{"name":"web","annotations":{"a":1}}"#, #"{"name":"web","deletionTimestamp":5}"#,
    #"{"name":"web","labels":null,"annotations":null,"deletionTimestamp":null}"#, #"{"name":"web","labels":[]}"#,
  ]

  @Test(arguments: metadataCases) func metadata(_ metadata: String) {
    Self.expectSameAsGeneralPath(Self.service(spec: #"{"clusterIP":"10.96.0.1","ports":[{"port":80}]}"#, metadata: metadata))
    Self.expectSameAsGeneralPath(
      #"{"apiVersion":"v1","kind":"Node","metadata":"# + metadata
        + #","status":{"addresses":[{"type":"InternalIP","address":"10.0.0.1"}]}}"#)
  }
}
