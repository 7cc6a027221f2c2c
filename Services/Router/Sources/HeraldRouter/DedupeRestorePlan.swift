/// What restoring one partition's de-duplication store takes, decided from the store's checkpoint
/// and the changelog partition's watermarks: the store is a cache of the changelog and is trusted
/// only where the changelog confirms it.
enum DedupeRestorePlan: Equatable {
    /// The store holds the whole changelog.
    case upToDate
    /// The store holds the changelog before `from`: read `from..<to`.
    case catchUp(from: Int64, to: Int64)
    /// The store cannot be trusted (or is new): empty it and read the changelog from its beginning to `to`.
    case rebuild(to: Int64, reason: String)

    /// - Parameters:
    ///   - checkpoint: the store's, nil for a new or emptied store.
    ///   - topic, partition: the changelog partition being restored.
    ///   - low, high: its watermarks now (first offset kept, offset after the last record).
    static func decide(checkpoint: DedupeCheckpoint?, topic: String, partition: Int32, low: Int64, high: Int64) -> DedupeRestorePlan {
        guard let checkpoint else { return .rebuild(to: high, reason: "no store") }
        guard checkpoint.topic == topic, checkpoint.partition == partition else {
            return .rebuild(to: high, reason: "the store belongs to \(checkpoint.topic) partition \(checkpoint.partition)")
        }
        if checkpoint.offset > high {
            return .rebuild(to: high, reason: "the changelog ends at \(high), before the store's offset \(checkpoint.offset) (the topic was recreated)")
        }
        if checkpoint.offset < low {
            return .rebuild(to: high, reason: "the changelog starts at \(low), after the store's offset \(checkpoint.offset) (records the store never saw were deleted)")
        }
        return checkpoint.offset == high ? .upToDate : .catchUp(from: checkpoint.offset, to: high)
    }
}
