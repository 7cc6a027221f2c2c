import GRPCCore
import HeraldCore
import HeraldProtos

/// A publishing key may be narrowed to event types and sources, so teams sharing one Herald
/// cannot speak for each other: an event outside its key's patterns is refused PERMISSION_DENIED,
/// naming the type and source, before it is validated or written.
enum PublishPermission {
    /// Refuses `event` when `principal` (the call's key; nil with authentication off) may not publish it.
    static func check(_ event: Herald_V1_Event, as principal: Principal?) throws(PublishError) {
        guard let principal, !principal.mayPublish(type: event.type, source: event.source) else { return }
        throw PublishError(
            .permissionDenied,
            "API key \(principal.keyID) may not publish type '\(event.type)' from source '\(event.source)' (allowed types: "
                + "\(Self.describe(principal.eventTypes)), sources: \(Self.describe(principal.sources)))")
    }

    private static func describe(_ patterns: [String]) -> String {
        patterns.isEmpty ? "any" : patterns.joined(separator: ", ")
    }
}
