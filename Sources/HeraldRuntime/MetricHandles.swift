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
