// How one endpoint picker's counts in use change between two states: which per-count maps and
// chains and which count groups appear, go or are rewritten (FragmentTransaction's input).

/// How one picker's counts in use change: the count maps and chains, group sets and chains
/// that appear, go or are rewritten.
struct PickerChange {
  let picker: EndpointPicker
  let old: [Int]
  let new: [Int]

  var oldGroups: [(group: Int, counts: [Int])] { EndpointPicker.groups(old) }
  var newGroups: [(group: Int, counts: [Int])] { EndpointPicker.groups(new) }
  var addedCounts: [Int] { new.filter { !old.contains($0) } }
  var removedCounts: [Int] { old.filter { !new.contains($0) } }
  var addedGroups: [Int] {
    let before = Set(oldGroups.map(\.group))
    return newGroups.map(\.group).filter { !before.contains($0) }
  }
  var removedGroups: [Int] {
    let after = Set(newGroups.map(\.group))
    return oldGroups.map(\.group).filter { !after.contains($0) }
  }
  /// Groups kept whose counts change.
  var rewrittenGroups: [Int] {
    let before = Dictionary(uniqueKeysWithValues: oldGroups.map { ($0.group, $0.counts) })
    return newGroups.compactMap { g in before[g.group].flatMap { $0 != g.counts ? g.group : nil } }
  }
  var groupsChange: Bool { oldGroups.map(\.group) != newGroups.map(\.group) }
}
