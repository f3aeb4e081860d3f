// The resources the agent lists and watches, with their options: one list for `kproxy run` and
// `kproxy record`, so that a recording holds exactly what the agent would have seen.

extension KubeResource {
  /// Services, EndpointSlices, Pods, this node's Node (field selector) and ServiceCIDRs (an API
  /// server that does not serve them, before Kubernetes 1.33, counts as having none).
  public static func agentWatches(hostname: String) -> [(KubeResource, ListWatchOptions)] {
    var optional = ListWatchOptions()
    optional.emptyWhenNotServed = true
    return [
      (.services, ListWatchOptions()), (.endpointSlices, ListWatchOptions()), (.pods, ListWatchOptions()),
      (.nodes, ListWatchOptions(fieldSelector: "metadata.name=\(hostname)")), (.serviceCIDRs, optional),
    ]
  }
}
