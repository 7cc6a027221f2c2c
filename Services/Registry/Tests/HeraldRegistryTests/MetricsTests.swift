import HeraldProtos
import HeraldTestSupport
import NIOHTTP1
import SwiftProtobuf
import Testing

extension RegistryIntegration {
    /// The registry's own metrics and the request metrics every service has, scraped from its
    /// `/metrics` over HTTP after real REST and gRPC calls.
    @Suite struct MetricsTests {
        @Test func registrationsCompatibilityFailuresAndRequestsShowOnMetrics() async throws {
            let registry = try await RegistryInstance.start(RegistryNames())
            defer { Task { try await registry.stop() } }
            let base = registry.base
            let before = try await MetricsScrape.fetch(httpPort: registry.httpPort)

            #expect(try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(Schemas.orderV1)).status == 200)
            #expect(try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody(Schemas.orderBreaking)).status == 409)
            #expect(try await REST.call(.POST, "\(base)/subjects/orders-value/versions", json: REST.schemaBody("not json")).status == 422)
            let test = try await REST.call(.POST, "\(base)/compatibility/subjects/orders-value/versions/latest", json: REST.schemaBody(Schemas.orderBreaking))
            #expect(test.object["is_compatible"] as? Bool == false)
            let subjects = try await registry.withClient { try await $0.listSubjects(.init()) }
            #expect(subjects.subjects == ["orders-value"])

            let after = try await MetricsScrape.fetch(httpPort: registry.httpPort)
            let registrations = "herald_registry_schema_registrations_total"
            #expect(after.increase(of: registrations, ["result": "registered"], since: before) >= 1, "\(after.text)")
            #expect(after.increase(of: registrations, ["result": "incompatible"], since: before) >= 1)
            #expect(after.increase(of: registrations, ["result": "rejected"], since: before) >= 1)
            let failures = "herald_registry_compatibility_failures_total"
            #expect(after.increase(of: failures, ["check": "register"], since: before) >= 1)
            #expect(after.increase(of: failures, ["check": "test"], since: before) >= 1)
            #expect(after.increase(of: "herald_http_server_requests_total",
                                   ["method": "POST", "path": "/subjects/{subject}/versions", "code": "409"], since: before) >= 1)
            #expect(after.increase(of: "herald_grpc_server_requests_total",
                                   ["method": "herald.v1.Registry/ListSubjects", "code": "OK"], since: before) >= 1)
        }
    }
}
