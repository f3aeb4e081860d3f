// The decoded objects written back as Kubernetes JSON (the fields kproxy reads, nothing else), so
// that what kproxy saw can be saved — `kproxy record` — and read again by the same decoder:
// decoding the encoding of a decoded object gives that object again.
import NetAddress

extension KubeObject {
  /// The object as a JSON-compatible dictionary (`JSONSerialization` writes it).
  public var jsonObject: [String: Any] {
    switch self {
    case .service(let s): s.jsonObject
    case .endpointSlice(let e): e.jsonObject
    case .pod(let p): p.jsonObject
    case .node(let n): n.jsonObject
    case .serviceCIDR(let c): c.jsonObject
    }
  }
}

extension ObjectMeta {
  var jsonObject: [String: Any] {
    var m: [String: Any] = ["name": name]
    if !namespace.isEmpty { m["namespace"] = namespace }
    if !labels.isEmpty { m["labels"] = labels }
    if !annotations.isEmpty { m["annotations"] = annotations }
    if let deletionTimestamp { m["deletionTimestamp"] = deletionTimestamp }
    return m
  }
}

extension Service {
  var jsonObject: [String: Any] {
    var spec: [String: Any] = ["type": type.rawValue]
    if isHeadless {
      spec["clusterIP"] = "None"
      spec["clusterIPs"] = ["None"]
    } else if !clusterIPs.isEmpty {
      spec["clusterIP"] = clusterIPs[0].description
      spec["clusterIPs"] = clusterIPs.map(\.description)
    }
    if !ipFamilies.isEmpty { spec["ipFamilies"] = ipFamilies.map(\.rawValue) }
    if !ports.isEmpty {
      spec["ports"] = ports.map { p -> [String: Any] in
        var o: [String: Any] = ["protocol": p.protocol_.rawValue, "port": p.port]
        if !p.name.isEmpty { o["name"] = p.name }
        switch p.targetPort {
        case .int(let n)?: o["targetPort"] = n
        case .string(let s)?: o["targetPort"] = s
        case nil: break
        }
        if p.nodePort != 0 { o["nodePort"] = p.nodePort }
        return o
      }
    }
    if let selector { spec["selector"] = selector }
    if !externalIPs.isEmpty { spec["externalIPs"] = externalIPs.map(\.description) }
    if !loadBalancerSourceRanges.isEmpty { spec["loadBalancerSourceRanges"] = loadBalancerSourceRanges.map(\.description) }
    spec["sessionAffinity"] = sessionAffinity.rawValue
    spec["sessionAffinityConfig"] = ["clientIP": ["timeoutSeconds": affinityTimeoutSeconds]]
    spec["externalTrafficPolicy"] = externalTrafficPolicy.rawValue
    spec["internalTrafficPolicy"] = internalTrafficPolicy.rawValue
    if healthCheckNodePort != 0 { spec["healthCheckNodePort"] = healthCheckNodePort }
    if let externalName { spec["externalName"] = externalName }
    if let trafficDistribution { spec["trafficDistribution"] = trafficDistribution.rawValue }
    var out: [String: Any] = ["apiVersion": "v1", "kind": "Service", "metadata": meta.jsonObject, "spec": spec]
    if !loadBalancerIngress.isEmpty {
      let ingress = loadBalancerIngress.map { i -> [String: Any] in
        var o: [String: Any] = ["ip": i.ip.description]
        if let mode = i.ipMode { o["ipMode"] = mode.rawValue }
        return o
      }
      out["status"] = ["loadBalancer": ["ingress": ingress]]
    }
    return out
  }
}

extension EndpointSlice {
  var jsonObject: [String: Any] {
    let endpoints = self.endpoints.map { e -> [String: Any] in
      var o: [String: Any] = ["addresses": e.addresses.map(\.description)]
      var conditions: [String: Any] = [:]
      if let r = e.conditions.ready { conditions["ready"] = r }
      if let s = e.conditions.serving { conditions["serving"] = s }
      if let t = e.conditions.terminating { conditions["terminating"] = t }
      o["conditions"] = conditions
      if let n = e.nodeName { o["nodeName"] = n }
      if let z = e.zone { o["zone"] = z }
      if !e.hints.forZones.isEmpty || !e.hints.forNodes.isEmpty {
        var hints: [String: Any] = [:]
        if !e.hints.forZones.isEmpty { hints["forZones"] = e.hints.forZones.map { ["name": $0] } }
        if !e.hints.forNodes.isEmpty { hints["forNodes"] = e.hints.forNodes.map { ["name": $0] } }
        o["hints"] = hints
      }
      return o
    }
    let ports = self.ports.map { p -> [String: Any] in
      var o: [String: Any] = ["name": p.name, "protocol": p.protocol_.rawValue]
      if let port = p.port { o["port"] = port }
      return o
    }
    return [
      "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": meta.jsonObject, "addressType": addressType.rawValue,
      "endpoints": endpoints, "ports": ports,
    ]
  }
}

extension ContainerPort {
  var jsonObject: [String: Any] {
    var o: [String: Any] = ["containerPort": containerPort, "protocol": protocol_.rawValue]
    if !name.isEmpty { o["name"] = name }
    return o
  }
}

extension Pod {
  var jsonObject: [String: Any] {
    var spec: [String: Any] = ["containers": [["name": "c", "ports": containerPorts.map(\.jsonObject)]]]
    if let nodeName { spec["nodeName"] = nodeName }
    if hostNetwork { spec["hostNetwork"] = true }
    if !initContainers.isEmpty {
      spec["initContainers"] = initContainers.enumerated().map { i, c -> [String: Any] in
        var o: [String: Any] = ["name": "init\(i)", "ports": c.ports.map(\.jsonObject)]
        if let r = c.restartPolicy { o["restartPolicy"] = r.rawValue }
        return o
      }
    }
    var status: [String: Any] = [
      "phase": phase.rawValue, "conditions": [["type": "Ready", "status": ready ? "True" : "False"]],
    ]
    if !podIPs.isEmpty {
      status["podIP"] = podIPs[0].description
      status["podIPs"] = podIPs.map { ["ip": $0.description] }
    }
    return ["apiVersion": "v1", "kind": "Pod", "metadata": meta.jsonObject, "spec": spec, "status": status]
  }
}

extension Node {
  var jsonObject: [String: Any] {
    let addresses =
      internalIPs.map { ["type": "InternalIP", "address": $0.description] }
      + externalIPs.map { ["type": "ExternalIP", "address": $0.description] }
    return ["apiVersion": "v1", "kind": "Node", "metadata": meta.jsonObject, "status": ["addresses": addresses]]
  }
}

extension ServiceCIDR {
  var jsonObject: [String: Any] {
    ["apiVersion": "networking.k8s.io/v1", "kind": "ServiceCIDR", "metadata": meta.jsonObject, "spec": ["cidrs": cidrs.map(\.description)]]
  }
}
