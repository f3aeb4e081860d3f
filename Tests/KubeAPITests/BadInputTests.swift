import Testing

// Table-driven bad input for ManifestDecoder: bad YAML, wrong types, invalid ports, protocols,
// IPs, CIDRs, names and policies; each case asserts the exact error line kproxy prints.
@testable import KubeAPI

@Suite struct BadInputTests {
  static let port80 = "ports: [{port: 80}]"

  static let cases: [BadInputCase] = [
    // YAML syntax and document structure
    BadInputCase(
      name: "bad indentation in document 2",
      text:
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n bad: indent\n",
      expected: "t.yaml doc 2: invalid YAML at line 9 column 2: did not find expected key (while parsing a block mapping)"),
    BadInputCase(
      name: "unterminated JSON",
      text: "{\"apiVersion\": \"v1\", \"kind\": \"Service\",\n \"metadata\": {\"name\": \"web\"}\n",
      expected: "t.yaml doc 1: invalid JSON at line 3 column 1: unexpected end of input"),
    BadInputCase(
      name: "JSON with trailing garbage",
      text: "{\"apiVersion\": \"v1\", \"kind\": \"Service\"}\n}\n",
      expected:
        "t.yaml doc 1: invalid JSON at line 2 column 1: unexpected \"}\" after the end of a JSON value (another object, or nothing, expected)"
    ),
    BadInputCase(
      name: "JSON with a comment",
      text: "{\"apiVersion\": \"v1\", // a Service\n \"kind\": \"Service\"}\n",
      expected: "t.yaml doc 1: invalid JSON at line 1 column 22: comments are not allowed in JSON"),
    BadInputCase(
      name: "control character",
      text: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: w\u{7}b\n",
      expected: "t.yaml doc 2: invalid YAML at line 8 column 10: control characters are not allowed"),
    BadInputCase(
      name: "tab indentation",
      text: "apiVersion: v1\nkind: Service\nmetadata:\n\tname: web\n",
      expected:
        "t.yaml doc 1: invalid YAML at line 4 column 1: found character that cannot start any token (while scanning for the next token)"),
    BadInputCase(
      name: "document is a list",
      text: "- a\n- b\n",
      expected: "t.yaml doc 1: expected a map, got a list"),
    BadInputCase(
      name: "missing kind",
      text: "apiVersion: v1\nmetadata: {name: web}\n",
      expected: "t.yaml doc 1: kind: required field is missing"),
    BadInputCase(
      name: "missing apiVersion",
      text: "kind: Service\nmetadata: {name: web}\n",
      expected: "t.yaml doc 1: apiVersion: required field is missing"),
    BadInputCase(
      name: "kind is a list",
      text: "apiVersion: v1\nkind: [Service]\n",
      expected: "t.yaml doc 1: kind: expected a string, got a list"),
    BadInputCase(
      name: "missing metadata.name",
      text: "apiVersion: v1\nkind: Service\nmetadata: {namespace: a}\nspec: {ports: [{port: 80}]}\n",
      expected: "t.yaml doc 1: metadata.name: required field is missing"),
    BadInputCase(
      name: "duplicate key",
      text: "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80}]\n  type: NodePort\n  type: ClusterIP\n",
      expected: "t.yaml doc 1 (default/web): spec: duplicate key \"type\""),
    BadInputCase(
      name: "YAML merge key of a scalar",
      text: "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports:\n  - {<<: 80, name: a}\n",
      expected: "t.yaml doc 1 (default/web): spec.ports[0]: a merge key (<<) takes a map or a list of maps, got integer 80"),
    BadInputCase(
      name: "YAML merge key twice",
      text: "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports:\n  - {<<: {port: 80}, <<: {port: 81}}\n",
      expected: "t.yaml doc 1 (default/web): spec.ports[0]: duplicate key \"<<\""),
    BadInputCase(
      name: "YAML merge of a list with a scalar",
      text: "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports:\n  - {<<: [{port: 80}, x], name: a}\n",
      expected: "t.yaml doc 1 (default/web): spec.ports[0]: a merge key (<<) takes a map or a list of maps, got string \"x\""),
    BadInputCase(
      name: "missing spec",
      text: "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n",
      expected: "t.yaml doc 1 (default/web): spec: required field is missing"),

    // Wrong YAML types
    BadInputCase(
      name: "port given as a name", text: serviceYAML("ports: [{port: http}]"),
      expected: "t.yaml doc 1 (default/web): spec.ports[0].port: expected an integer, got string \"http\""),
    BadInputCase(
      name: "port given as a quoted number", text: serviceYAML("ports: [{port: \"80\"}]"),
      expected: "t.yaml doc 1 (default/web): spec.ports[0].port: expected an integer, got string \"80\""),
    BadInputCase(
      name: "port given as a !!str number", text: serviceYAML("ports: [{port: !!str 80}]"),
      expected: "t.yaml doc 1 (default/web): spec.ports[0].port: expected an integer, got string \"80\""),
    BadInputCase(
      name: "port with a leading zero and a non-octal digit", text: serviceYAML("ports: [{port: 08}]"),
      expected:
        "t.yaml doc 1 (default/web): spec.ports[0].port: expected an integer, got number 08: with a leading 0, YAML 1.1 (as kubectl reads it) means an octal number, and 8 and 9 are not octal digits"
    ),
    BadInputCase(
      name: "octal port out of range", text: serviceYAML("ports: [{port: 0200000}]"),
      expected: "t.yaml doc 1 (default/web): spec.ports[0].port: 65536 is not a valid port (must be 1-65535)"),
    BadInputCase(
      name: "hexadecimal integer too large", text: serviceYAML("ports: [{port: 0x1_0000_0000_0000_0000}]"),
      expected: "t.yaml doc 1 (default/web): spec.ports[0].port: 0x1_0000_0000_0000_0000 is out of range"),
    BadInputCase(
      name: "port given as a fraction", text: serviceYAML("ports: [{port: 80.5}]"),
      expected: "t.yaml doc 1 (default/web): spec.ports[0].port: expected an integer, got number 80.5"),
    BadInputCase(
      name: "port too large for Int", text: serviceYAML("ports: [{port: 99999999999999999999}]"),
      expected: "t.yaml doc 1 (default/web): spec.ports[0].port: 99999999999999999999 is out of range"),
    BadInputCase(
      name: "ports given as a map", text: serviceYAML("ports: {port: 80}"),
      expected: "t.yaml doc 1 (default/web): spec.ports: expected a list, got a map"),
    BadInputCase(
      name: "selector given as a list", text: serviceYAML("\(port80)\nselector: [app]"),
      expected: "t.yaml doc 1 (default/web): spec.selector: expected a map, got a list"),
    BadInputCase(
      name: "name given as a number", text: namedObjectYAML(kind: "Service", rawName: "123"),
      expected: "t.yaml doc 1: metadata.name: expected a string, got integer 123"),
    BadInputCase(
      name: "label value given as a number",
      text: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {version: 1.0}\n",
      expected: "t.yaml doc 1 (default/p): metadata.labels[\"version\"]: expected a string, got number 1.0"),
    BadInputCase(
      name: "quoted yes is not a boolean",
      text: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {hostNetwork: \"yes\"}\n",
      expected: "t.yaml doc 1 (default/p): spec.hostNetwork: expected a boolean (true or false), got string \"yes\""),
    BadInputCase(
      name: "YAML 1.1 boolean as a label value",
      text: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {debug: on}\n",
      expected:
        "t.yaml doc 1 (default/p): metadata.labels[\"debug\"]: expected a string, got boolean true: YAML 1.1 (as kubectl reads it) makes a plain on a boolean; quote it: \"on\""
    ),
    BadInputCase(
      name: "YAML 1.1 boolean as a namespace",
      text: "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: n}\nspec: {ports: [{port: 80}]}\n",
      expected:
        "t.yaml doc 1: metadata.namespace: expected a string, got boolean false: YAML 1.1 (as kubectl reads it) makes a plain n a boolean; quote it: \"n\""
    ),
    BadInputCase(
      name: "quoted boolean in endpoint conditions",
      text:
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s}\naddressType: IPv4\nendpoints: [{addresses: [10.0.0.1], conditions: {ready: \"true\"}}]\n",
      expected: "t.yaml doc 1 (default/s): endpoints[0].conditions.ready: expected a boolean (true or false), got string \"true\""),

    // Ports
    BadInputCase(
      name: "port out of range", text: serviceYAML("ports:\n- {name: a, port: 80}\n- {name: b, port: 70000}"),
      expected: "t.yaml doc 1 (default/web): spec.ports[1].port: 70000 is not a valid port (must be 1-65535)"),
    BadInputCase(
      name: "port zero", text: serviceYAML("ports: [{port: 0}]"),
      expected: "t.yaml doc 1 (default/web): spec.ports[0].port: 0 is not a valid port (must be 1-65535)"),
    BadInputCase(
      name: "nodePort out of range", text: serviceYAML("type: NodePort\nports: [{port: 80, nodePort: 65536}]"),
      expected: "t.yaml doc 1 (default/web): spec.ports[0].nodePort: 65536 is not a valid port (must be 1-65535, or 0 for unset)"),
    BadInputCase(
      name: "targetPort out of range", text: serviceYAML("ports: [{port: 80, targetPort: -1}]"),
      expected: "t.yaml doc 1 (default/web): spec.ports[0].targetPort: -1 is not a valid port (must be 1-65535)"),
    BadInputCase(
      name: "targetPort name in upper case", text: serviceYAML("ports: [{port: 80, targetPort: HTTP}]"),
      expected:
        "t.yaml doc 1 (default/web): spec.ports[0].targetPort: \"HTTP\" is not a valid port name: must be an IANA_SVC_NAME: lower-case letters, digits and '-', starting and ending with a letter or digit"
    ),
    BadInputCase(
      name: "targetPort name longer than 15", text: serviceYAML("ports: [{port: 80, targetPort: http-metrics-port}]"),
      expected:
        "t.yaml doc 1 (default/web): spec.ports[0].targetPort: \"http-metrics-port\" is not a valid port name: must be no more than 15 characters (IANA_SVC_NAME), got 17"
    ),
    BadInputCase(
      name: "second port without a name", text: serviceYAML("ports:\n- {name: http, port: 80}\n- {port: 443}"),
      expected: "t.yaml doc 1 (default/web): spec.ports[1].name: a name is required when a service has more than one port"),
    BadInputCase(
      name: "duplicate port name", text: serviceYAML("ports:\n- {name: http, port: 80}\n- {name: http, port: 443}"),
      expected: "t.yaml doc 1 (default/web): spec.ports[1].name: \"http\" is already used by spec.ports[0]"),
    BadInputCase(
      name: "duplicate port and protocol", text: serviceYAML("ports:\n- {name: a, port: 80}\n- {name: b, port: 80, protocol: TCP}"),
      expected: "t.yaml doc 1 (default/web): spec.ports[1]: port 80/TCP is already used by spec.ports[0]"),
    BadInputCase(
      name: "port name with underscore", text: serviceYAML("ports: [{name: my_port, port: 80}]"),
      expected:
        "t.yaml doc 1 (default/web): spec.ports[0].name: \"my_port\" is not a valid port name: must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit"
    ),
    BadInputCase(
      name: "no ports on a ClusterIP service", text: serviceYAML("type: ClusterIP"),
      expected:
        "t.yaml doc 1 (default/web): spec.ports: at least one port is required (unless the service is headless or of type ExternalName)"),

    // Enumerations
    BadInputCase(
      name: "protocol in lower case", text: serviceYAML("ports: [{port: 80, protocol: tcp}]"),
      expected: "t.yaml doc 1 (default/web): spec.ports[0].protocol: \"tcp\" is not supported (must be one of \"TCP\", \"UDP\", \"SCTP\")"),
    BadInputCase(
      name: "protocol ICMP", text: serviceYAML("ports: [{port: 80, protocol: ICMP}]"),
      expected: "t.yaml doc 1 (default/web): spec.ports[0].protocol: \"ICMP\" is not supported (must be one of \"TCP\", \"UDP\", \"SCTP\")"),
    BadInputCase(
      name: "unknown service type", text: serviceYAML("type: Internal\n\(port80)"),
      expected:
        "t.yaml doc 1 (default/web): spec.type: \"Internal\" is not supported (must be one of \"ClusterIP\", \"NodePort\", \"LoadBalancer\", \"ExternalName\")"
    ),
    BadInputCase(
      name: "traffic policy in lower case", text: serviceYAML("externalTrafficPolicy: local\n\(port80)"),
      expected: "t.yaml doc 1 (default/web): spec.externalTrafficPolicy: \"local\" is not supported (must be one of \"Cluster\", \"Local\")"
    ),
    BadInputCase(
      name: "legacy traffic policy Global", text: serviceYAML("internalTrafficPolicy: Global\n\(port80)"),
      expected:
        "t.yaml doc 1 (default/web): spec.internalTrafficPolicy: \"Global\" is not supported (must be one of \"Cluster\", \"Local\")"),
    BadInputCase(
      name: "unknown session affinity", text: serviceYAML("sessionAffinity: Cookie\n\(port80)"),
      expected: "t.yaml doc 1 (default/web): spec.sessionAffinity: \"Cookie\" is not supported (must be one of \"None\", \"ClientIP\")"),
    BadInputCase(
      name: "affinity timeout too long",
      text: serviceYAML("sessionAffinity: ClientIP\nsessionAffinityConfig: {clientIP: {timeoutSeconds: 86401}}\n\(port80)"),
      expected:
        "t.yaml doc 1 (default/web): spec.sessionAffinityConfig.clientIP.timeoutSeconds: 86401 is not a valid timeout (must be 1-86400 seconds)"
    ),

    // IPs and CIDRs
    BadInputCase(
      name: "clusterIP in hexadecimal", text: serviceYAML("clusterIP: 10.96.0.0x10\n\(port80)"),
      expected: "t.yaml doc 1 (default/web): spec.clusterIP: \"10.96.0.0x10\" is not a valid IP address"),
    BadInputCase(
      name: "service CIDR with leading zeros",
      text: "apiVersion: networking.k8s.io/v1\nkind: ServiceCIDR\nmetadata: {name: c}\nspec: {cidrs: [010.96.0.0/16]}\n",
      expected:
        "t.yaml doc 1 (c): spec.cidrs[0]: \"010.96.0.0/16\" is not a valid CIDR: leading zeros are not allowed (did you mean \"10.96.0.0/16\"?)"
    ),
    BadInputCase(
      name: "clusterIP octet over 255", text: serviceYAML("clusterIP: 10.96.0.256\n\(port80)"),
      expected: "t.yaml doc 1 (default/web): spec.clusterIP: \"10.96.0.256\" is not a valid IP address"),
    BadInputCase(
      name: "clusterIPs[0] differs from clusterIP", text: serviceYAML("clusterIP: 10.96.0.1\nclusterIPs: [10.96.0.2]\n\(port80)"),
      expected: "t.yaml doc 1 (default/web): spec.clusterIPs[0]: \"10.96.0.2\" must be equal to spec.clusterIP \"10.96.0.1\""),
    BadInputCase(
      name: "two cluster IPs of one family", text: serviceYAML("clusterIPs: [10.96.0.1, 10.96.0.2]\n\(port80)"),
      expected:
        "t.yaml doc 1 (default/web): spec.clusterIPs: 2 cluster IPs must be of different IP families (one IPv4 and one IPv6), got two IPv4"),
    BadInputCase(
      name: "three cluster IPs", text: serviceYAML("clusterIPs: [10.96.0.1, \"fd00::1\", 10.96.0.3]\n\(port80)"),
      expected: "t.yaml doc 1 (default/web): spec.clusterIPs: at most 2 cluster IPs may be given (one per IP family), got 3"),
    BadInputCase(
      name: "cluster IP family differs from ipFamilies", text: serviceYAML("clusterIPs: [\"fd00::1\"]\nipFamilies: [IPv4]\n\(port80)"),
      expected: "t.yaml doc 1 (default/web): spec.clusterIPs[0]: fd00::1 is IPv6 but spec.ipFamilies[0] is IPv4"),
    BadInputCase(
      name: "unknown IP family", text: serviceYAML("ipFamilies: [IPv5]\n\(port80)"),
      expected: "t.yaml doc 1 (default/web): spec.ipFamilies[0]: \"IPv5\" is not supported (must be one of \"IPv4\", \"IPv6\")"),
    BadInputCase(
      name: "loopback external IP", text: serviceYAML("externalIPs: [127.0.0.1]\n\(port80)"),
      expected: "t.yaml doc 1 (default/web): spec.externalIPs[0]: 127.0.0.1 is not a valid external IP: it is a loopback address"),
    BadInputCase(
      name: "IPv6 zone in external IP", text: serviceYAML("externalIPs: [\"fe80::1%eth0\"]\n\(port80)"),
      expected: "t.yaml doc 1 (default/web): spec.externalIPs[0]: \"fe80::1%eth0\" is not a valid IP address"),
    BadInputCase(
      name: "source range prefix too long", text: serviceYAML("loadBalancerSourceRanges: [10.0.0.0/33]\n\(port80)"),
      expected: "t.yaml doc 1 (default/web): spec.loadBalancerSourceRanges[0]: \"10.0.0.0/33\" is not a valid CIDR"),
    BadInputCase(
      name: "source range with a space inside",
      text: serviceYAML("loadBalancerSourceRanges: [\" 203.0.113.0 /25\"]\n\(port80)"),
      expected: "t.yaml doc 1 (default/web): spec.loadBalancerSourceRanges[0]: \"203.0.113.0 /25\" is not a valid CIDR"),
    BadInputCase(
      name: "IPv4-mapped source range shorter than 96",
      text: serviceYAML("loadBalancerSourceRanges: [\"::ffff:10.0.0.0/64\"]\n\(port80)"),
      expected:
        "t.yaml doc 1 (default/web): spec.loadBalancerSourceRanges[0]: \"::ffff:10.0.0.0/64\" is not a valid CIDR: an IPv4-mapped IPv6 CIDR is read as IPv4 and needs a prefix length of 96 or more, got 64"
    ),
    BadInputCase(
      name: "IPv4-mapped service CIDR with host bits",
      text: "apiVersion: networking.k8s.io/v1\nkind: ServiceCIDR\nmetadata: {name: c}\nspec: {cidrs: [\"::ffff:10.96.0.1/112\"]}\n",
      expected:
        "t.yaml doc 1 (c): spec.cidrs[0]: \"::ffff:10.96.0.1/112\" is not a valid CIDR: host bits must be zero (did you mean \"10.96.0.0/16\"?)"
    ),
    BadInputCase(
      name: "IPv4-mapped address in an IPv6 slice",
      text:
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s}\naddressType: IPv6\nendpoints: [{addresses: [\"::ffff:10.0.0.1\"]}]\n",
      expected: "t.yaml doc 1 (default/s): endpoints[0].addresses[0]: 10.0.0.1 is IPv4 but addressType is IPv6"),
    BadInputCase(
      name: "IPv4-mapped cluster IP beside an IPv4 one",
      text: serviceYAML("clusterIPs: [10.96.0.1, \"::ffff:10.96.0.2\"]\n\(port80)"),
      expected:
        "t.yaml doc 1 (default/web): spec.clusterIPs: 2 cluster IPs must be of different IP families (one IPv4 and one IPv6), got two IPv4"),
    BadInputCase(
      name: "load balancer ipMode unknown",
      text: serviceYAML(port80) + "status:\n  loadBalancer:\n    ingress: [{ip: 198.51.100.1, ipMode: proxy}]\n",
      expected:
        "t.yaml doc 1 (default/web): status.loadBalancer.ingress[0].ipMode: \"proxy\" is not supported (must be one of \"VIP\", \"Proxy\")"),
    BadInputCase(
      name: "load balancer ipMode without ip",
      text: serviceYAML(port80) + "status:\n  loadBalancer:\n    ingress: [{hostname: lb.example.com, ipMode: Proxy}]\n",
      expected: "t.yaml doc 1 (default/web): status.loadBalancer.ingress[0].ipMode: may not be set when ip is not set"),
    BadInputCase(
      name: "init container restartPolicy unknown",
      text: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {initContainers: [{name: c, restartPolicy: always}]}\n",
      expected:
        "t.yaml doc 1 (default/p): spec.initContainers[0].restartPolicy: \"always\" is not supported (must be one of \"Always\", \"OnFailure\", \"Never\")"
    ),
    BadInputCase(
      name: "init container port invalid",
      text: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {initContainers: [{name: c, ports: [{containerPort: 0}]}]}\n",
      expected: "t.yaml doc 1 (default/p): spec.initContainers[0].ports[0].containerPort: 0 is not a valid port (must be 1-65535)"),
    BadInputCase(
      name: "load balancer ingress IP invalid",
      text: serviceYAML(port80) + "status:\n  loadBalancer:\n    ingress: [{ip: 1.2.3}]\n",
      expected: "t.yaml doc 1 (default/web): status.loadBalancer.ingress[0].ip: \"1.2.3\" is not a valid IP address"),
    BadInputCase(
      name: "endpoint address of the wrong family",
      text:
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s, namespace: ns}\naddressType: IPv4\nendpoints:\n- addresses: [10.0.0.1]\n- addresses: [\"fd00::1\"]\n",
      expected: "t.yaml doc 1 (ns/s): endpoints[1].addresses[0]: fd00::1 is IPv6 but addressType is IPv4"),
    BadInputCase(
      name: "endpoint address with trailing space",
      text:
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s}\naddressType: IPv4\nendpoints: [{addresses: [\"10.0.0.1 \"]}]\n",
      expected: "t.yaml doc 1 (default/s): endpoints[0].addresses[0]: \"10.0.0.1 \" is not a valid IP address"),
    BadInputCase(
      name: "unknown address type",
      text: "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s}\naddressType: IP\n",
      expected: "t.yaml doc 1 (default/s): addressType: \"IP\" is not supported (must be one of \"IPv4\", \"IPv6\", \"FQDN\")"),
    // Topology hints (discovery validation: at most 8 of each, unique, label values / node names)
    BadInputCase(
      name: "more than 8 zone hints",
      text:
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s}\naddressType: IPv4\nendpoints: [{addresses: [10.0.0.1], hints: {forZones: [{name: a}, {name: b}, {name: c}, {name: d}, {name: e}, {name: f}, {name: g}, {name: h}, {name: i}]}}]\n",
      expected: "t.yaml doc 1 (default/s): endpoints[0].hints.forZones: 9 entries is more than the limit of 8"),
    BadInputCase(
      name: "zone hint listed twice",
      text:
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s}\naddressType: IPv4\nendpoints: [{addresses: [10.0.0.1], hints: {forZones: [{name: zone-a}, {name: zone-a}]}}]\n",
      expected: "t.yaml doc 1 (default/s): endpoints[0].hints.forZones[1].name: \"zone-a\" is already listed in forZones[0]"),
    BadInputCase(
      name: "zone hint not a label value",
      text:
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s}\naddressType: IPv4\nendpoints: [{addresses: [10.0.0.1], hints: {forZones: [{name: \"zone a\"}]}}]\n",
      expected:
        "t.yaml doc 1 (default/s): endpoints[0].hints.forZones[0].name: \"zone a\" is not a valid zone name: must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
    ),
    BadInputCase(
      name: "node hint without a name",
      text:
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s}\naddressType: IPv4\nendpoints: [{addresses: [10.0.0.1], hints: {forNodes: [{}]}}]\n",
      expected: "t.yaml doc 1 (default/s): endpoints[0].hints.forNodes[0].name: required field is missing"),
    BadInputCase(
      name: "node hint not a DNS subdomain",
      text:
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s}\naddressType: IPv4\nendpoints: [{addresses: [10.0.0.1], hints: {forNodes: [{name: Node_1}]}}]\n",
      expected:
        "t.yaml doc 1 (default/s): endpoints[0].hints.forNodes[0].name: \"Node_1\" is not a valid node name: must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit"
    ),
    BadInputCase(
      name: "unknown trafficDistribution", text: serviceYAML("trafficDistribution: PreferSameRegion\n\(port80)"),
      expected:
        "t.yaml doc 1 (default/web): spec.trafficDistribution: \"PreferSameRegion\" is not supported (must be one of \"PreferClose\", \"PreferSameZone\", \"PreferSameNode\")"
    ),
    BadInputCase(
      name: "node InternalIP not an IP",
      text: "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus:\n  addresses: [{type: InternalIP, address: node-1}]\n",
      expected: "t.yaml doc 1 (n1): status.addresses[0].address: \"node-1\" is not a valid IP address"),
    BadInputCase(
      name: "service CIDR with host bits",
      text: "apiVersion: networking.k8s.io/v1\nkind: ServiceCIDR\nmetadata: {name: c}\nspec: {cidrs: [10.96.0.1/16]}\n",
      expected:
        "t.yaml doc 1 (c): spec.cidrs[0]: \"10.96.0.1/16\" is not a valid CIDR: host bits must be zero (did you mean \"10.96.0.0/16\"?)"),
    BadInputCase(
      name: "three service CIDRs",
      text:
        "apiVersion: networking.k8s.io/v1beta1\nkind: ServiceCIDR\nmetadata: {name: c}\nspec: {cidrs: [10.96.0.0/16, \"fd00::/112\", 10.97.0.0/16]}\n",
      expected: "t.yaml doc 1 (c): spec.cidrs: at most 2 CIDRs may be given (one per IP family), got 3"),
    BadInputCase(
      name: "pod IPs of one family",
      text: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nstatus: {podIPs: [{ip: 10.0.0.1}, {ip: 10.0.0.2}]}\n",
      expected: "t.yaml doc 1 (default/p): status.podIPs: 2 pod IPs must be of different IP families (one IPv4 and one IPv6), got two IPv4"),

    // Pods, labels, selectors
    BadInputCase(
      name: "container port name with double hyphen",
      text:
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, ports: [{name: http--x, containerPort: 80}]}]\n",
      expected:
        "t.yaml doc 1 (default/p): spec.containers[0].ports[0].name: \"http--x\" is not a valid port name: must not contain consecutive hyphens (IANA_SVC_NAME)"
    ),
    BadInputCase(
      name: "unknown pod phase",
      text: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nstatus: {phase: Done}\n",
      expected:
        "t.yaml doc 1 (default/p): status.phase: \"Done\" is not supported (must be one of \"Pending\", \"Running\", \"Succeeded\", \"Failed\", \"Unknown\")"
    ),
    BadInputCase(
      name: "selector key with a space", text: serviceYAML("\(port80)\nselector: {\"app name\": web}"),
      expected:
        "t.yaml doc 1 (default/web): spec.selector: \"app name\" is not a valid label key: name part must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
    ),
    BadInputCase(
      name: "label value too long",
      text: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {app: \(String(repeating: "v", count: 64))}\n",
      expected:
        "t.yaml doc 1 (default/p): metadata.labels[\"app\"]: \"\(String(repeating: "v", count: 64))\" is not a valid label value: must be no more than 63 characters, got 64"
    ),
    BadInputCase(
      name: "label key with a bad prefix",
      text: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {Example.com/app: x}\n",
      expected:
        "t.yaml doc 1 (default/p): metadata.labels: \"Example.com/app\" is not a valid label key: prefix must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit"
    ),
    BadInputCase(
      name: "namespace in upper case", text: serviceYAML(namespace: "Prod", port80),
      expected:
        "t.yaml doc 1: metadata.namespace: \"Prod\" is not a valid namespace (DNS-1123 label): must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit"
    ),
    BadInputCase(
      name: "ExternalName with an invalid DNS name", text: serviceYAML("type: ExternalName\nexternalName: db_1.example.com"),
      expected:
        "t.yaml doc 1 (default/web): spec.externalName: \"db_1.example.com\" is not a valid DNS name: must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit"
    ),

    // Lists
    BadInputCase(
      name: "error inside a List item",
      text:
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Service\n  metadata: {name: web, namespace: ns}\n  spec: {ports: [{port: 80}, {port: 70000}]}\n",
      expected: "t.yaml doc 1 (ns/web): items[1].spec.ports[0].name: a name is required when a service has more than one port"),
    BadInputCase(
      name: "List item without kind",
      text: "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  metadata: {name: a}\n",
      expected: "t.yaml doc 1: items[0].kind: required field is missing"),
    BadInputCase(
      name: "ServiceList items are not a list",
      text: "{\"apiVersion\": \"v1\", \"kind\": \"ServiceList\", \"items\": {\"a\": 1}}",
      expected: "t.yaml doc 1: items: expected a list, got a map"),
  ]

  @Test(arguments: cases) func rejected(_ testCase: BadInputCase) {
    var set = ObjectSet()
    #expect(throws: ManifestError.self) { try ManifestDecoder.decode(testCase.text, file: "t.yaml", into: &set) }
    do {
      try ManifestDecoder.decode(testCase.text, file: "t.yaml", into: &set)
    } catch {
      #expect(error.description == testCase.expected)
    }
  }

  @Test func errorFieldsAreSetSeparately() {
    var set = ObjectSet()
    do {
      try ManifestDecoder.decode("---\n" + serviceYAML(namespace: "shop", "ports: [{port: 70000}]"), file: "services.yaml", into: &set)
      Issue.record("expected an error")
    } catch {
      #expect(
        error
          == ManifestError(
            file: "services.yaml", document: 1, object: "shop/web", kind: "Service", field: "spec.ports[0].port",
            message: "70000 is not a valid port (must be 1-65535)"))
    }
  }

  /// Small limits, so that the checks run on small texts (the standard ones are hundreds of MiB).
  static let smallLimits = ManifestLimits(fileBytes: 2 * 1024 * 1024, documentBytes: 1024 * 1024)

  @Test func standardLimitsFitAFiftyThousandServiceDump() {
    // A 50k-service `kubectl get services,endpointslices -A -o json` List is 71 MB.
    #expect(ManifestDecoder.maxDocumentBytes == 256 * 1024 * 1024)
    #expect(ManifestDecoder.maxFileBytes == 512 * 1024 * 1024)
  }

  @Test func oversizedDocumentIsRejectedWithoutParsing() {
    let filler = "#" + String(repeating: "x", count: Self.smallLimits.documentBytes) + "\n"
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n" + filler
    #expect {
      _ = try ManifestDecoder.decodeObjects(text, file: "big.yaml", limits: Self.smallLimits)
    } throws: { error in
      (error as? ManifestError)?.description == "big.yaml doc 2: document is \(filler.utf8.count + 4) bytes, more than the limit of 1 MiB"
    }
  }

  @Test func oversizedFileIsRejectedWithoutParsing() {
    let text = String(repeating: "# filler line\n", count: Self.smallLimits.fileBytes / 14 + 1)
    #expect {
      _ = try ManifestDecoder.decodeObjects(text, file: "huge.yaml", limits: Self.smallLimits)
    } throws: { error in
      (error as? ManifestError)?.description == "huge.yaml: file is \(text.utf8.count) bytes, more than the limit of 2 MiB"
    }
  }

  @Test func aliasBombIsStoppedEarly() {
    var text =
      "apiVersion: v1\nkind: List\nx0: &e {addresses: [10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5, 10.0.0.6, 10.0.0.7, 10.0.0.8]}\n"
    text += "x1: &s {apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, metadata: {name: s}, addressType: IPv4, endpoints: ["
    text += Array(repeating: "*e", count: 1000).joined(separator: ", ") + "]}\n"
    text += "items: [" + Array(repeating: "*s", count: 1000).joined(separator: ", ") + "]\n"
    var set = ObjectSet()
    #expect {
      try ManifestDecoder.decode(text, file: "bomb.yaml", into: &set)
    } throws: { error in
      (error as? ManifestError)?.description.hasPrefix("bomb.yaml doc 1") == true
        && (error as? ManifestError)?.message.contains("YAML aliases") == true
    }
  }
}
