/// A result read item by item and tag by tag: what `r.per_item` and `r.by_tag` show, computed
/// from the same outcomes as the result's metrics.
extension EvaluationResult {
    /// Every item's outcomes under the result's protocol, in item order.
    public func itemOutcomes() throws -> ItemOutcomes { try ItemOutcomes(metricProtocol, items) }

    /// The metrics of each group's items (Winoground's tags, ARO's relations or attribute pairs),
    /// with bootstrap intervals as for the whole result; groups in name order. Items without a
    /// group (retrieval, ImageCoDe, Order) give none. `macro_accuracy` is left out: within one
    /// group it is the group's accuracy.
    public func metricsByGroup() throws -> [(group: String, metrics: [MetricValue])] {
        let groups = Set(items.compactMap(\.group)).sorted()
        return try groups.map { g in
            let members = items.filter { $0.group == g }
            let metrics = try computeMetrics(metricProtocol, members, bootstrap: bootstrap, macro: .all)
            return (g, metrics.filter { $0.name != "macro_accuracy" })
        }
    }
}
