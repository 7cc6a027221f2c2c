import Foundation

/// What the receiver got, per (event, endpoint): the distinct `webhook-id`s, how often each
/// arrived, and when the first one came. Fed incrementally from `WebhookReceiver.received`.
public struct DeliveryLedger: Sendable {
    public struct Key: Hashable, Sendable {
        public let eventID: String
        public let endpoint: String
    }

    public private(set) var webhookIDs: [Key: Set<String>] = [:]
    public private(set) var firstArrival: [Key: ContinuousClock.Instant] = [:]
    public private(set) var lastArrival: ContinuousClock.Instant?
    /// Arrivals per webhook-id.
    public private(set) var arrivals: [String: Int] = [:]
    /// Requests without a readable event id or endpoint header.
    public private(set) var unreadable = 0
    /// How many of the receiver's requests were read so far.
    public private(set) var absorbed = 0

    public init() {}

    /// Reads the requests after the ones already absorbed. Events whose id starts with `ignoring`
    /// (warm-up probes) are skipped.
    public mutating func absorb(_ received: [WebhookReceiver.Received], ignoring prefix: String = "warmup-") {
        guard received.count > absorbed else { return }
        for request in received[absorbed...] {
            guard let endpoint = request.headers[ChaosWorkload.endpointHeader],
                  let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                  let eventID = body["id"] as? String
            else {
                unreadable += 1
                continue
            }
            if eventID.hasPrefix(prefix) { continue }
            let key = Key(eventID: eventID, endpoint: endpoint)
            webhookIDs[key, default: []].insert(request.webhookID)
            arrivals[request.webhookID, default: 0] += 1
            if firstArrival[key] == nil { firstArrival[key] = request.arrived }
            lastArrival = max(lastArrival ?? request.arrived, request.arrived)
        }
        absorbed = received.count
    }

    /// Whether `eventID` reached every endpoint in `endpoints`.
    public func reachedAll(_ eventID: String, endpoints: [String]) -> Bool {
        endpoints.allSatisfy { webhookIDs[Key(eventID: eventID, endpoint: $0)] != nil }
    }
}
