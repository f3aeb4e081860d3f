// One decoded object of any kind kproxy reads, and where it came from in its file;
// ManifestLoader uses the origin to report duplicates, ObjectSet collects objects by kind.

/// A decoded object of one of the kinds kproxy understands.
public enum KubeObject: Sendable, Hashable {
  case service(Service)
  case endpointSlice(EndpointSlice)
  case pod(Pod)
  case node(Node)
  case serviceCIDR(ServiceCIDR)

  /// The Kubernetes kind, e.g. "Service".
  public var kind: String {
    switch self {
    case .service: "Service"
    case .endpointSlice: "EndpointSlice"
    case .pod: "Pod"
    case .node: "Node"
    case .serviceCIDR: "ServiceCIDR"
    }
  }

  public var meta: ObjectMeta {
    switch self {
    case .service(let object): object.meta
    case .endpointSlice(let object): object.meta
    case .pod(let object): object.meta
    case .node(let object): object.meta
    case .serviceCIDR(let object): object.meta
    }
  }
}

/// An object and its place in the file it was decoded from.
public struct DecodedObject: Sendable, Hashable {
  public var object: KubeObject
  /// 1-based document index in the file.
  public var document: Int
  /// 0-based index in the document's `items` when the document is a List.
  public var item: Int?

  public init(object: KubeObject, document: Int, item: Int? = nil) {
    self.object = object
    self.document = document
    self.item = item
  }

  /// "doc 2" or "doc 2 items[5]", as used in error messages.
  public var location: String {
    if let item { return "doc \(document) items[\(item)]" }
    return "doc \(document)"
  }
}

/// Everything decoded from one file.
public struct DecodedManifest: Sendable, Hashable {
  public var objects: [DecodedObject] = []
  /// Documents and list items of kinds kproxy does not use.
  public var ignoredCount = 0
  /// The same documents and items, with place and reason.
  public var skipped: [SkippedObject] = []
  public init(objects: [DecodedObject] = [], ignoredCount: Int = 0, skipped: [SkippedObject] = []) {
    self.objects = objects
    self.ignoredCount = ignoredCount
    self.skipped = skipped
  }
}

extension ObjectSet {
  /// Appends an object to the list of its kind.
  public mutating func append(_ object: KubeObject) {
    switch object {
    case .service(let service): services.append(service)
    case .endpointSlice(let slice): endpointSlices.append(slice)
    case .pod(let pod): pods.append(pod)
    case .node(let node): nodes.append(node)
    case .serviceCIDR(let cidr): serviceCIDRs.append(cidr)
    }
  }
}
