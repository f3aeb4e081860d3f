// Chooses the API server connection from kube-proxy's flags, as client-go's BuildConfigFromFlags:
// --kubeconfig (its current context), --master overriding its server, else the in-cluster config.

extension ClusterConnection {
  /// The connection for `--kubeconfig PATH` and `--master URL`: the kubeconfig with its server
  /// replaced by `master`; `master` alone (no credentials); neither: the in-cluster config.
  public static func fromFlags(kubeconfig: String?, master: String?, inCluster: InClusterConfig = InClusterConfig()) throws
    -> ClusterConnection
  {
    let kubeconfig = kubeconfig.flatMap { $0.isEmpty ? nil : $0 }
    let master = master.flatMap { $0.isEmpty ? nil : $0 }
    switch (kubeconfig, master) {
    case (let path?, let master):
      let connection = try KubeConfig.load(path: path)
      return master.map(connection.overridingServer) ?? connection
    case (nil, let master?):
      return ClusterConnection(server: master)
    case (nil, nil):
      return try inCluster.connection()
    }
  }
}
