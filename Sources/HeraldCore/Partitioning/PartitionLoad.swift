/// Events per partition, for measuring skew (benchmarks, metrics).
public struct PartitionLoad: Hashable, Sendable {
    public private(set) var counts: [Int]

    public init(partitionCount: Int) {
        precondition(partitionCount > 0, "partition count must be positive")
        counts = Array(repeating: 0, count: partitionCount)
    }

    public mutating func record(_ partition: Int32) {
        counts[Int(partition)] += 1
    }

    public var total: Int { counts.reduce(0, +) }

    /// The busiest partition's load over the mean load: 1.0 is perfectly even, `partitionCount` means
    /// everything went to one partition. 0 before any event.
    public var skew: Double {
        let total = total
        guard total > 0 else { return 0 }
        return Double(counts.max()!) * Double(counts.count) / Double(total)
    }
}
