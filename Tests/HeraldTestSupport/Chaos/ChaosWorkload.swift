public import HeraldProtos
import SwiftProtobuf

/// The events a chaos run publishes and where each one must arrive: every event to `ep-a` and
/// `ep-b` (route `all-orders`), events from a VIP source also to `ep-c` (route `vip`). Routes
/// never overlap on an endpoint, so each (event, endpoint) pair has exactly one delivery.
public enum ChaosWorkload {
    public static let subject = "chaos-orders-value"
    public static let schema = #"{"type":"record","name":"OrderShipped","namespace":"com.example","fields":[{"name":"order_id","type":"string"},{"name":"items","type":"int"}]}"#
    public static let type = "com.example.order.shipped"
    public static let sources = ["/shop/1", "/shop/2", "/shop/3", "/shop/4", "/shop/vip-1"]
    /// Set on every endpoint (Herald sends an endpoint's own headers), so the receiver knows
    /// which endpoint a request was for without checking signatures.
    public static let endpointHeader = "x-chaos-endpoint"

    public struct Route: Sendable {
        public let id: String
        /// Source patterns (exact, or a prefix ending in `*`); empty matches every source.
        public let sources: [String]
        public let endpoints: [String]

        public func matches(source: String) -> Bool {
            sources.isEmpty || sources.contains { $0.hasSuffix("*") ? source.hasPrefix($0.dropLast()) : source == $0 }
        }
    }

    public static let routes = [
        Route(id: "all-orders", sources: [], endpoints: ["ep-a", "ep-b"]),
        Route(id: "vip", sources: ["/shop/vip*"], endpoints: ["ep-c"]),
    ]
    public static var endpoints: [String] { routes.flatMap(\.endpoints) }

    public static func endpoints(forSource source: String) -> [String] {
        routes.filter { $0.matches(source: source) }.flatMap(\.endpoints)
    }

    /// Event `index` (ids `c-0`, `c-1`, …).
    public static func event(_ index: Int) -> Herald_V1_Event {
        event(id: "c-\(index)", source: sources[index % sources.count], index: index)
    }

    /// An event outside the counted workload (warm-up probes).
    public static func event(id: String, source: String, index: Int) -> Herald_V1_Event {
        .with {
            $0.id = id
            $0.source = source
            $0.type = type
            $0.subject = "order-\(index)"
            $0.schema.subject = subject
            $0.json = #"{"order_id":"order-\#(index)","items":\#(index % 7)}"#
        }
    }
}
