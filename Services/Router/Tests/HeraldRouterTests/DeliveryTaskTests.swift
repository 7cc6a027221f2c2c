import HeraldCore
import HeraldProtos
import HeraldRouter
import SwiftProtobuf
import Testing

@Suite struct RouteConversionTests {
    @Test func protoRouteConvertsFieldByField() {
        let route = Herald_V1_Route.with {
            $0.id = "r1"
            $0.filter = .with {
                $0.types = ["com.example.*"]
                $0.sources = ["/shop/*"]
                $0.subjectPrefix = "order-"
                $0.extensions = ["tenant": "acme"]
            }
            $0.endpointIds = ["e1", "e2"]
            $0.enabled = true
        }
        #expect(RouteRule(route) == RouteRule(
            id: "r1", types: ["com.example.*"], sources: ["/shop/*"], subjectPrefix: "order-",
            extensions: ["tenant": "acme"], endpointIDs: ["e1", "e2"], enabled: true))
    }
}

@Suite struct DeliveryIDTests {
    @Test func stableAndDistinctPerEventRouteAndEndpoint() {
        let id = DeliveryID.make(source: "/s", id: "1", routeID: "r", endpointID: "e")
        #expect(id == DeliveryID.make(source: "/s", id: "1", routeID: "r", endpointID: "e"))
        #expect(id.hasPrefix("dlv_") && id.count == 36)
        let others = [
            DeliveryID.make(source: "/s", id: "2", routeID: "r", endpointID: "e"),
            DeliveryID.make(source: "/t", id: "1", routeID: "r", endpointID: "e"),
            DeliveryID.make(source: "/s", id: "1", routeID: "r2", endpointID: "e"),
            DeliveryID.make(source: "/s", id: "1", routeID: "r", endpointID: "e2"),
            // Field boundaries count: ("/s1", "") is not ("/s", "1").
            DeliveryID.make(source: "/s1", id: "", routeID: "r", endpointID: "e"),
        ]
        #expect(Set(others + [id]).count == 6)
    }

    /// Ids already sent as `webhook-id` must come out the same from every later version
    /// (values computed independently: SHA-256 over big-endian u32 lengths and UTF-8 bytes).
    @Test func knownValuesNeverChange() {
        #expect(DeliveryID.make(source: "/shop/orders", id: "a", routeID: "acme", endpointID: "e3") == "dlv_4f4fce611b164c3a06b6d7ffa5fc4080")
        #expect(DeliveryID.make(source: "/café/orders", id: "a", routeID: "acme", endpointID: "e3") == "dlv_372cc07fc9243e0114c04dfd3e9efd17")
    }
}
