// Decodes and validates a v1 Pod: node, host networking, container and init-container ports
// (with init containers' restartPolicy), pod IPs, phase and the Ready condition.
import NetAddress

extension Pod {
  static func decode(_ object: FieldReader, meta: ObjectMeta) throws(FieldError) -> Pod {
    var pod = Pod(meta: meta, phase: .pending, ready: false)
    if let nodeName = try object.optional("spec.nodeName") {
      pod.nodeName = try nodeName.checked(try nodeName.asString(), as: "node name", NameSyntax.dns1123SubdomainProblem)
    }
    pod.hostNetwork = try object.bool("spec.hostNetwork") ?? false
    for container in try object.list("spec.containers") {
      for reader in try container.list("ports") { pod.containerPorts.append(try ContainerPort.decode(reader)) }
    }
    for container in try object.list("spec.initContainers") {
      var initContainer = InitContainer()
      initContainer.restartPolicy = try container.optional("restartPolicy")?.asEnumeration(ContainerRestartPolicy.self)
      for reader in try container.list("ports") { initContainer.ports.append(try ContainerPort.decode(reader)) }
      pod.initContainers.append(initContainer)
    }
    try pod.decodePodIPs(object)
    pod.phase = try object.enumeration("status.phase", default: PodPhase.pending)
    for condition in try object.list("status.conditions") {
      if try condition.string("type") == "Ready" { pod.ready = try condition.string("status") == "True" }
    }
    return pod
  }

  /// `status.podIPs[].ip`, or `status.podIP` alone; podIPs[0] must equal podIP when both are given.
  private mutating func decodePodIPs(_ object: FieldReader) throws(FieldError) {
    let single = try object.optional("status.podIP")
    let singleText = try single?.asString() ?? ""
    let listed = try object.list("status.podIPs")
    if listed.isEmpty {
      if let single, !singleText.isEmpty { podIPs = [try single.asIPAddress()] }
      return
    }
    for entry in listed { podIPs.append(try entry.required("ip").asIPAddress()) }
    if !singleText.isEmpty, let firstText = try listed[0].string("ip"), firstText != singleText {
      throw .invalid(field: listed[0].childPath("ip"), reason: "\(quoted(firstText)) must be equal to status.podIP \(quoted(singleText))")
    }
    try object.required("status.podIPs").checkDualStack(podIPs.map(\.family), what: "pod IPs")
  }
}

extension ContainerPort {
  static func decode(_ reader: FieldReader) throws(FieldError) -> ContainerPort {
    var port = ContainerPort(containerPort: try reader.required("containerPort").asPort())
    if let nameField = try reader.optional("name") {
      let name = try nameField.asString()
      if !name.isEmpty { port.name = try nameField.checked(name, as: "port name", NameSyntax.ianaServiceNameProblem) }
    }
    port.protocol_ = try reader.l4Protocol()
    return port
  }
}
