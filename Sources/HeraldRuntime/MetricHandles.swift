import Metrics
import Synchronization

/// Metric handles made once per set of label values and then held. Making a handle per record
/// goes through swift-metrics' factory each time — the registry's lock, a lookup by name and
/// labels, the labels checked and copied — which costs far more than the record itself.
///
/// The first handle made installs Herald's Prometheus backend (`HeraldMetrics.registry`): a handle
/// made before would record nowhere, for good.
public final class MetricHandles<Key: Hashable & Sendable, Handle: Sendable>: Sendable {
    private let make: @Sendable (Key) -> Handle
    private let handles = Mutex<[Key: Handle]>([:])

    /// - Parameter make: the handle(s) for one key, made with its label values.
    public init(_ make: @escaping @Sendable (Key) -> Handle) {
        self.make = make
    }

    /// The handle for `key`, made the first time it is asked for.
    public subscript(key: Key) -> Handle {
        if let handle = handles.withLock({ $0[key] }) { return handle }
        _ = HeraldMetrics.registry
        let made = make(key)
        return handles.withLock { handles in
            if let first = handles[key] { return first }
            handles[key] = made
            return made
        }
    }
}

/// A count of things and how long each took, under the same labels: every request and attempt
/// metric is such a pair (`…_total` and `…_seconds`).
public struct CountedDurations: Sendable {
    private let count: Counter
    private let duration: Metrics.Timer

    public init(total: String, duration: String, dimensions: [(String, String)]) {
        count = Counter(label: total, dimensions: dimensions)
        self.duration = Metrics.Timer(label: duration, dimensions: dimensions)
    }

    /// Counts one; records its duration when it has one.
    public func record(_ elapsed: Duration?) {
        count.increment()
        if let elapsed { duration.record(duration: elapsed) }
    }
}
