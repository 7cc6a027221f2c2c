public import HeraldCore

/// Where a service reads the keys it checks calls against: the bootstrap keys alone, or those
/// merged with the keys followed from `herald.api-keys`. Read on every call, so it must be cheap
/// (a lock-protected value swap, not I/O).
public protocol KeyRingSource: Sendable {
    var ring: KeyRing { get }
}

/// A ring that never changes: the bootstrap keys of a service that does not follow the topic.
public struct StaticKeyRing: KeyRingSource {
    public let ring: KeyRing

    public init(_ ring: KeyRing) {
        self.ring = ring
    }
}
