/// When a consumer fetches again the partitions it has caught up with, against a broker that
/// answers a caught-up fetch at once instead of holding it open (the local broker does): without a
/// rest, an idle consumer and the broker would exchange empty fetches as fast as they can.
///
/// A caught-up partition rests, paused, for a backoff that starts at `shortest` (1 ms unless the
/// consumer asked for fewer fetches, `KafkaConsumer.CatchUp`) and doubles each
/// time its fetch finds nothing new, up to `longest`; a fetch that found records starts it over.
/// Rests end on a grid of their own length, so partitions that rest alike are fetched together
/// in one request. A write this process made readable (`LocalWriteSignal`) ends the rests of its
/// topic at once and starts their backoff over, so records from this process never wait.
///
/// Partitions that reach their end in one burst of polls start their rests together when the
/// burst is over (`reachedEnd`, then `startRests`): one pause for all of them, where a pause each
/// cost a round trip to librdkafka's broker thread per partition per rest.
///
/// A value type returning what to do; `ConsumerPollLoop` pauses, resumes and seeks accordingly.
struct IdleFetchSchedule {
    /// Where a partition that has rested resumes: its end-of-partition offset.
    typealias Wake = TopicPartitionOffset

    private struct Partition {
        /// The end of the partition at its latest rest: a later rest at the same offset found nothing new.
        var caughtUpAt: Int64
        var backoff: Duration
        /// When the current rest ends; `nil` while the partition is fetched.
        var restsUntil: ContinuousClock.Instant?
    }

    let shortest: Duration
    let longest: Duration
    /// The grid's origin: a rest of length `b` ends at `origin + k·b`.
    private let origin: ContinuousClock.Instant
    private var partitions: [TopicPartition: Partition] = [:]
    /// Ends reached in the current burst of polls, by partition: they rest once it is over.
    private var reachedEnds: [TopicPartition: Int64] = [:]

    /// - Parameters:
    ///   - shortest: the first rest after records; at most `longest`.
    ///   - longest: the longest rest; zero turns resting off (every fetch follows at once).
    init(shortest: Duration = firstBackoff, longest: Duration, origin: ContinuousClock.Instant) {
        self.longest = max(longest, .zero)
        self.shortest = min(max(shortest, .nanoseconds(1)), self.longest)
        self.origin = origin
    }

    /// The first rest of a partition that has just had records: short enough that a record
    /// following soon after is read with little delay, long enough to end the empty-fetch spin.
    static let firstBackoff = Duration.milliseconds(1)

    var isEnabled: Bool { longest > .zero }

    /// The earliest instant a rest ends; `nil` when none rests.
    private(set) var nextWake: ContinuousClock.Instant?

    /// Whether ends were reached in this burst of polls that `startRests` has not taken yet.
    var hasReachedEnds: Bool { !reachedEnds.isEmpty }

    /// The consumer reached the end of a partition: it rests from the end of this burst of polls
    /// (`startRests`), unless a record of it arrives before.
    mutating func reachedEnd(_ end: TopicPartitionOffset) {
        guard isEnabled, end.offset >= 0, partitions[end.topicPartition]?.restsUntil == nil else { return }
        reachedEnds[end.topicPartition] = end.offset
    }

    /// A record of `partition` arrived: an end reached before it is not the end any more.
    mutating func received(_ partition: TopicPartition) {
        if !reachedEnds.isEmpty { reachedEnds[partition] = nil }
    }

    /// The burst of polls is over: the partitions still at the end they reached start their rests.
    /// Returns them, to pause together.
    mutating func startRests(at now: ContinuousClock.Instant) -> [TopicPartition] {
        guard !reachedEnds.isEmpty else { return [] }
        defer { reachedEnds = [:] }
        return reachedEnds.sorted { Self.order($0.key, $1.key) }.compactMap { partition, offset in
            caughtUp(TopicPartitionOffset(partition, offset: offset), at: now) ? partition : nil
        }
    }

    /// The consumer reached the end of a partition: returns whether to pause it for a rest.
    mutating func caughtUp(_ end: TopicPartitionOffset, at now: ContinuousClock.Instant) -> Bool {
        let partition = end.topicPartition
        guard isEnabled, end.offset >= 0, partitions[partition]?.restsUntil == nil else { return false }
        var state = partitions[partition] ?? Partition(caughtUpAt: end.offset, backoff: .zero, restsUntil: nil)
        let foundNothing = state.caughtUpAt == end.offset && state.backoff > .zero
        state.backoff = foundNothing ? min(state.backoff * 2, longest) : shortest
        state.caughtUpAt = end.offset
        let until = restEnd(after: now, backoff: state.backoff)
        state.restsUntil = until
        partitions[partition] = state
        nextWake = min(nextWake ?? until, until)
        return true
    }

    /// The rests over at `now`: resume these partitions and fetch them from the given offsets.
    mutating func due(at now: ContinuousClock.Instant) -> [Wake] {
        guard let next = nextWake, next <= now else { return [] }
        return wake { _, state in state.restsUntil.map { $0 <= now } ?? false }
    }

    /// Records of `topics` became readable: resume their resting partitions at once, and let
    /// every partition of them (resting or being fetched) start its backoff over.
    mutating func written(to topics: Set<String>) -> [Wake] {
        // Not at their end any more: they are fetched on instead of resting.
        if !reachedEnds.isEmpty { reachedEnds = reachedEnds.filter { !topics.contains($0.key.topic) } }
        for partition in partitions.keys where topics.contains(partition.topic) {
            partitions[partition]!.backoff = .zero
        }
        return wake { partition, _ in topics.contains(partition.topic) }
    }

    /// The caller took these partitions over (paused, sought or lost them): they leave the
    /// schedule; the ones resting must be resumed, without a seek (the caller decides the position).
    mutating func release(_ released: some Sequence<TopicPartition>) -> [TopicPartition] {
        let resting = released.compactMap { partition -> TopicPartition? in
            reachedEnds[partition] = nil
            return partitions.removeValue(forKey: partition)?.restsUntil.map { _ in partition }
        }
        if !resting.isEmpty { nextWake = partitions.values.compactMap(\.restsUntil).min() }
        return resting
    }

    /// How long the consumer may wait for messages before the next rest ends, at most `limit`.
    func pollTimeout(at now: ContinuousClock.Instant, limit: Duration) -> Duration {
        guard let next = nextWake else { return limit }
        return min(limit, max(.zero, next - now))
    }

    private mutating func wake(where isDue: (TopicPartition, Partition) -> Bool) -> [Wake] {
        var woken: [Wake] = []
        for (partition, state) in partitions where state.restsUntil != nil && isDue(partition, state) {
            partitions[partition]!.restsUntil = nil
            woken.append(Wake(partition, offset: state.caughtUpAt))
        }
        if !woken.isEmpty { nextWake = partitions.values.compactMap(\.restsUntil).min() }
        return woken.sorted { Self.order($0.topicPartition, $1.topicPartition) }
    }

    private static func order(_ a: TopicPartition, _ b: TopicPartition) -> Bool {
        (a.topic, a.partition) < (b.topic, b.partition)
    }

    /// The first grid point of `backoff` at least half a backoff after `now`.
    private func restEnd(after now: ContinuousClock.Instant, backoff: Duration) -> ContinuousClock.Instant {
        let step = backoff.nanoseconds
        let earliest = (now - origin).nanoseconds + step / 2
        let steps = (earliest + step - 1) / step
        return origin + .nanoseconds(steps * step)
    }
}

extension Duration {
    /// Whole nanoseconds (rests are far inside `Int64`'s range).
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
