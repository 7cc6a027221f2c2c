import Foundation

/// The readings the overview keeps of one service, instance by instance, so a figure can cover
/// the time since an earlier reading. The earlier reading a figure measures from is made of the
/// instances read now only: an instance gone since (a pod removed) leaves both sides, and one that
/// is new (a pod added) counts from its start, so neither moves the service's figure by itself.
struct MetricsHistory: Sendable {
    /// Readings older than this are dropped: figures cover at most this long.
    static let longestWindow: TimeInterval = 300
    /// An earlier reading younger than this is not used: a rate over a second or two says little.
    static let shortestWindow: TimeInterval = 5
    static let keptRounds = 300

    /// One reading of every instance, by instance name.
    private struct Round {
        let time: Date
        let instances: [String: MetricsSnapshot]
    }

    private var rounds: [Round] = []

    init() {}

    /// Keeps `instances`' readings taken at `time` and answers the service's reading (every
    /// instance's series added up) and the earlier one to measure from (nil: none young enough yet).
    mutating func record(_ instances: [String: MetricsSnapshot], at time: Date) -> (now: MetricsSnapshot, earlier: MetricsSnapshot?) {
        rounds.removeAll { time.timeIntervalSince($0.time) > Self.longestWindow }
        let earlier = rounds.first { time.timeIntervalSince($0.time) >= Self.shortestWindow }.map { round in
            MetricsSnapshot(time: round.time, adding: instances.keys.compactMap { round.instances[$0] })
        }
        rounds.append(Round(time: time, instances: instances))
        // A page reloaded without pause must not grow the history without limit.
        if rounds.count > Self.keptRounds { rounds.removeFirst(rounds.count - Self.keptRounds) }
        return (MetricsSnapshot(time: time, adding: Array(instances.values)), earlier)
    }
}
