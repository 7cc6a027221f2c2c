public import Foundation
import Synchronization

/// What sends need of each endpoint, worked out once per version of the endpoints table: opening
/// its secrets, parsing its URL and merging its headers again for every send cost more than the
/// rest of the send's own work. Any change to the table starts over, so the next send sees a
/// changed URL, a rotated secret, new headers or a deleted endpoint.
public final class PreparedEndpoints: Sendable {
    /// An endpoint ready to send to: signing with the current secret only, and with the previous
    /// one too until its overlap ends.
    public struct Prepared: Sendable {
        public let currentOnly: ResolvedEndpoint
        public let withPrevious: ResolvedEndpoint?
        public let previousSignsUntil: Date?

        public init(currentOnly: ResolvedEndpoint, withPrevious: ResolvedEndpoint?, previousSignsUntil: Date?) {
            self.currentOnly = currentOnly
            self.withPrevious = withPrevious
            self.previousSignsUntil = previousSignsUntil
        }

        /// The endpoint as a send at `now` signs: the previous secret too while its overlap lasts
        /// (as `SecretRotation.signing(at:)` decides).
        public func at(_ now: Date) -> ResolvedEndpoint {
            if let withPrevious, let until = previousSignsUntil, now < until { return withPrevious }
            return currentOnly
        }
    }

    private let cache = Mutex<(revision: Int, endpoints: [String: Prepared])>((-1, [:]))

    public init() {}

    /// Endpoint `id` as the table held it at `revision`: the one prepared earlier at that revision,
    /// else what `make` prepares (kept for later sends unless `nil`, or the table has moved on).
    public func endpoint(_ id: String, revision: Int, make: () -> Prepared?) -> Prepared? {
        let cached = cache.withLock { cache -> Prepared? in
            // A newer table forgets every endpoint prepared before, deleted ones included.
            if revision > cache.revision { cache = (revision, [:]) }
            return cache.revision == revision ? cache.endpoints[id] : nil
        }
        if let cached { return cached }
        guard let made = make() else { return nil }
        cache.withLock { cache in
            if cache.revision == revision { cache.endpoints[id] = made }
        }
        return made
    }
}
