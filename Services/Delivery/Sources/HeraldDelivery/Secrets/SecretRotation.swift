public import Foundation

/// An endpoint's signing secrets over time: the current one, and after a rotation the one it
/// replaced, which keeps signing beside it until the overlap ends so receivers can switch to the
/// new secret without rejecting a request. Values are whatever form the caller keeps (the stored,
/// sealed strings); deciding needs no I/O.
public struct SecretRotation: Sendable, Hashable {
    public var current: String
    public var previous: String?
    /// When `previous` stops signing; set whenever `previous` is.
    public var previousExpiresAt: Date?

    public init(current: String, previous: String? = nil, previousExpiresAt: Date? = nil) {
        self.current = current
        self.previous = previousExpiresAt == nil ? nil : previous
        self.previousExpiresAt = self.previous == nil ? nil : previousExpiresAt
    }

    /// The secrets that sign a request sent at `now`: the current one first, then the previous
    /// one while its overlap lasts.
    public func signing(at now: Date) -> [String] {
        guard let previous, !isPreviousExpired(at: now) else { return [current] }
        return [current, previous]
    }

    /// Whether a previous secret is kept that no longer signs, and should be dropped from storage.
    public func isPreviousExpired(at now: Date) -> Bool {
        guard previous != nil, let previousExpiresAt else { return false }
        return now >= previousExpiresAt
    }

    /// The same without a previous secret that no longer signs.
    public func droppingExpired(at now: Date) -> SecretRotation {
        isPreviousExpired(at: now) ? SecretRotation(current: current) : self
    }

    /// After replacing the current secret with `new` at `now`: the replaced one signs for
    /// `overlap` more (none when `overlap` is zero). A rotation during an overlap drops the
    /// older previous secret: only the one receivers most recently used keeps signing.
    public func rotated(to new: String, at now: Date, overlap: Duration) -> SecretRotation {
        guard overlap > .zero else { return SecretRotation(current: new) }
        let seconds = Double(overlap.components.seconds) + Double(overlap.components.attoseconds) / 1e18
        return SecretRotation(current: new, previous: current, previousExpiresAt: now.addingTimeInterval(seconds))
    }

    /// How often a service looks for previous secrets to drop: a tenth of the overlap, between
    /// 1 s and 60 s, so a dropped secret leaves the topic soon after its overlap without a busy loop.
    public static func sweepInterval(overlap: Duration) -> Duration {
        min(max(overlap / 10, .seconds(1)), .seconds(60))
    }
}
