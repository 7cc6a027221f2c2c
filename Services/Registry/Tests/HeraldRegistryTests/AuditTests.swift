import Foundation
import GRPCCore
import HeraldCore
import HeraldKafka
import HeraldProtos
import HeraldRegistry
import HeraldTestSupport
import NIOHTTP1
import SwiftProtobuf
import Testing

extension RegistryIntegration {
    @Suite struct AuditTests {
        /// Every schema, config and mode change, over gRPC and REST, leaves one audit record — one,
        /// also when a follower forwards it to the leader; refused calls leave none.
        @Test func schemaConfigAndModeChangesAreAuditedOnceAndRefusalsAreNot() async throws {
            let names = RegistryNames()
            let (leader, follower) = try await RegistryInstance.startLeaderAndFollower(names)

            let firstID = try await leader.withClient { client in
                let first = try await client.registerSchema(.with { $0.subject = "audited-value"; $0.schema = Schemas.orderV1 })
                _ = try await client.setConfig(.with { $0.subject = "audited-value"; $0.compatibility = .full })
                _ = try await client.setMode(.with { $0.subject = "audited-value"; $0.mode = .readonly })
                _ = try await client.setMode(.with { $0.subject = "audited-value"; $0.mode = .readwrite })
                await #expect(throws: RPCError.self) { _ = try await client.registerSchema(.with { $0.subject = "audited-value"; $0.schema = "{not avro" }) }
                return first.id
            }
            // The follower joining the election group may move leadership for a moment: a write
            // then is refused with 50004 (and recorded nowhere), so these retry on that answer.
            func call(_ method: HTTPMethod, _ url: String, json: String? = nil) async throws -> RESTResponse {
                var answer: RESTResponse?
                try await TestEnvironment.eventually("\(method) \(url) answered by a leader") {
                    answer = try await REST.call(method, url, json: json)
                    return answer?.errorCode != 50004
                }
                return try #require(answer)
            }
            try await TestEnvironment.eventually("both instances to name the same leader") {
                let named = leader.server.registry.leaderInstance
                return named != nil && named == follower.server.registry.leaderInstance
            }
            // Through the follower: forwarded to the leader, recorded once.
            let registered = try await call(.POST, "\(follower.base)/subjects/audited-value/versions", json: REST.schemaBody(Schemas.orderV2))
            #expect(registered.status == 200, "\(registered.text)")
            for (method, url, body, status) in [
                (HTTPMethod.PUT, "\(follower.base)/config", #"{"compatibility":"BACKWARD"}"#, 200),
                (.POST, "\(leader.base)/subjects/audited-value/versions", #"{"schema":"{not avro"}"#, 422),
                (.DELETE, "\(leader.base)/subjects/nobody", nil, 404),
                (.DELETE, "\(leader.base)/subjects/audited-value", nil, 200),
            ] as [(HTTPMethod, String, String?, Int)] {
                let answer = try await call(method, url, json: body)
                #expect(answer.status == status, "\(method) \(url): \(answer.text)")
            }
            try await follower.stop()
            try await leader.stop()

            let records = try await committedRecords(topic: names.auditTopic, kafka: TestEnvironment.kafka, logger: TestEnvironment.logger)
                .map { try AuditRecord(decoding: $0.value ?? []) }
            #expect(records.map(\.action) == [
                "schema.register", "config.set", "mode.set", "mode.set", "schema.register", "config.set", "subject.delete",
            ])
            #expect(records.map(\.target) == Array(repeating: "audited-value", count: 5) + ["", "audited-value"])
            #expect(records.map(\.detail) == [
                "id=\(firstID) version=1", "compatibility=FULL", "mode=READONLY", "mode=READWRITE",
                "id=\(registered.object["id"] as? Int ?? -1) version=2", "compatibility=BACKWARD",
                "versions=1,2 permanent=false",
            ])
            #expect(records.allSatisfy { $0.service == "registry" && $0.outcome == .succeeded && $0.keyID == AuditRecord.authenticationOff })
        }

        /// Creating and revoking an API key leave one record each, with the key's id; a refused
        /// creation (no scope) leaves none.
        @Test func keyChangesAreAudited() async throws {
            let names = RegistryNames()
            let leader = try await RegistryInstance.start(names, instance: "a")
            try await TestEnvironment.eventually("a to lead") { leader.server.registry.isLeader }
            let created = try await leader.keys { try await $0.createKey(.with { $0.name = "ops"; $0.scopes = ["routes:read"] }) }
            _ = try await leader.keys { try await $0.revokeKey(.with { $0.id = created.info.id }) }
            await #expect(throws: RPCError.self) { _ = try await leader.keys { try await $0.createKey(.with { $0.name = "none" }) } }
            try await leader.stop()

            let records = try await committedRecords(topic: names.auditTopic, kafka: TestEnvironment.kafka, logger: TestEnvironment.logger)
                .map { try AuditRecord(decoding: $0.value ?? []) }
            #expect(records.map(\.action) == ["key.create", "key.revoke"])
            #expect(records.map(\.target) == ["ops", created.info.id])
            #expect(records.first?.detail == "id=\(created.info.id) scopes=routes:read")
        }
    }
}
