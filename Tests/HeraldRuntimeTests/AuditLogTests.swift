import Foundation
import HeraldCore
import HeraldKafka
import HeraldRuntime
import Logging
import Testing

/// The audit writer against the real broker: who made a change comes from `CallerKey`, and only
/// changes made (or whose storing failed) are recorded, once, where they were received.
@Suite(.timeLimit(.minutes(2)))
struct AuditLogTests {
    struct Refusal: Error { let whileStoring: Bool }

    func caller(_ keyID: String) -> Principal {
        Principal(KeyRecord(id: keyID, name: "audit test", scopes: [.schemasWrite], hash: "", createdAt: .now))
    }

    @Test func aChangeIsRecordedWithTheCallersKeyAndARefusalIsNot() async throws {
        let brokers = ProcessInfo.processInfo.environment["HERALD_KAFKA_BROKERS"] ?? "127.0.0.1:9092"
        let kafka = KafkaConfiguration(bootstrapServers: brokers.split(separator: ",").map(String.init), requestTimeout: .seconds(20))
        var logger = Logger(label: "audit-log-tests")
        logger.logLevel = .warning
        let topic = "herald-test.audit.\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        try await AuditLog.createTopic(topic, admin: admin)
        await admin.close()
        let audit = try AuditLog(topic: topic, service: "test", kafka: kafka, logger: logger)

        let answer = try await CallerPrincipal.with(caller("key-1"), credential: "hk_key-1") {
            try await audit.recording("thing.set", target: "t1", detail: { "value=\($0)" }, isStoreFailure: { (_: Refusal) in false }) { () throws(Refusal) -> Int in 7 }
        }
        #expect(answer == 7)
        await #expect(throws: Refusal.self) {
            try await CallerPrincipal.with(caller("key-2"), credential: "hk_key-2") {
                try await audit.recording("thing.set", target: "refused", isStoreFailure: { (refusal: Refusal) in refusal.whileStoring }) { () throws(Refusal) -> Int in
                    throw Refusal(whileStoring: false)
                }
            }
        }
        // Recorded by the peer that received it, not again where it was forwarded to.
        let forwarded = try await audit.recording("thing.set", target: "forwarded", forwarded: true, isStoreFailure: { (_: Refusal) in true }) {
            () throws(Refusal) -> Int in 8
        }
        #expect(forwarded == 8)
        await #expect(throws: Refusal.self) {
            try await audit.recording("thing.delete", target: "t2", isStoreFailure: { (refusal: Refusal) in refusal.whileStoring }) { () throws(Refusal) -> Int in
                throw Refusal(whileStoring: true)
            }
        }
        await audit.close()

        let records = try await committedRecords(topic: topic, kafka: kafka, logger: logger).map { try AuditRecord(decoding: $0.value ?? []) }
        #expect(records.map(\.keyID) == ["key-1", AuditRecord.authenticationOff])
        #expect(records.map(\.action) == ["thing.set", "thing.delete"])
        #expect(records.map(\.target) == ["t1", "t2"])
        #expect(records.map(\.outcome) == [.succeeded, .failed])
        #expect(records.first?.detail == "value=7" && records.allSatisfy { $0.service == "test" })
    }
}
