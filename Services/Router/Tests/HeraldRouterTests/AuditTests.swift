import Foundation
import GRPCCore
import HeraldCore
import HeraldKafka
import HeraldProtos
import HeraldRouter
import HeraldTestSupport
import SwiftProtobuf
import Testing

extension RouterIntegration {
    @Suite struct AuditTests {
        /// Each route change leaves one record in the audit topic; refused calls leave none.
        @Test func routeChangesAreAuditedAndRefusalsAreNot() async throws {
            let (topics, router) = try await RouterTopics.withRouter()
            let before = Date()
            _ = try await router.withClient { try await $0.putRoute(.with { $0.route = route("audited", endpoints: ["e1"]) }) }
            _ = try await router.withClient { try await $0.putRoute(.with { $0.route = route("audited", endpoints: ["e2"]) }) }
            _ = try await router.withClient { try await $0.deleteRoute(.with { $0.id = "audited" }) }
            #expect(await failure(router) { _ = try await $0.putRoute(.with { $0.route = route("", endpoints: ["e"]) }) }?.code == .invalidArgument)
            #expect(await failure(router) { _ = try await $0.deleteRoute(.with { $0.id = "nobody" }) }?.code == .notFound)
            try await router.stop()

            let records = try await committedRecords(topic: topics.audit, kafka: RouterTestEnvironment.kafka(), logger: RouterTestEnvironment.logger)
                .map { try AuditRecord(decoding: $0.value ?? []) }
            #expect(records.map(\.action) == ["route.create", "route.update", "route.delete"])
            #expect(records.allSatisfy {
                $0.service == "router" && $0.target == "audited" && $0.outcome == .succeeded
                    && $0.keyID == AuditRecord.authenticationOff && $0.time >= before.addingTimeInterval(-1)
            })
        }
    }
}
