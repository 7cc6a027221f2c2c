import Foundation
import HeraldCore
import HeraldKafka
import HeraldRuntime
import Logging
import ServiceLifecycle
import Testing

/// `KeyDirectory` against the real broker: bootstrap keys only until the topic is replayed, then
/// the merged ring, and `waitUntilHolding` returns only once a written record is read back.
@Suite(.timeLimit(.minutes(2)))
struct KeyDirectoryTests {
    let brokers = ProcessInfo.processInfo.environment["HERALD_KAFKA_BROKERS"] ?? "127.0.0.1:9092"
    let logger = Logger(label: "herald-key-directory-tests")

    /// A configuration that no other client of this process wakes: a record reaches the directory
    /// only when its rest (up to `rest`) ends, as it would in another process.
    func kafka(rest: Duration) -> KafkaConfiguration {
        var kafka = KafkaConfiguration(bootstrapServers: brokers.split(separator: ",").map(String.init), requestTimeout: .seconds(20))
        kafka.idleFetchBackoff = rest
        kafka.writeSignal = LocalWriteSignal()
        return kafka
    }

    @Test func followsTheTopicMergedWithTheBootstrapKeysAndWaitsForAWriteToBeReadBack() async throws {
        let topic = "herald-test.api-keys.\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
        let admin = APIKey.generate()
        let bootstrap = KeyRing([KeyRecord(key: admin, name: "bootstrap", scopes: [.keysAdmin], createdAt: .now)])
        let directory = KeyDirectory(bootstrap: bootstrap, topic: topic, kafka: kafka(rest: .seconds(2)), logger: logger)
        #expect(directory.ring.authenticate(admin.presented).map(\.keyID) == .success(admin.id), "bootstrap keys work before the topic is read")

        let team = APIKey.generate()
        var record = KeyRecord(key: team, name: "team", scopes: [.eventsPublish], createdAt: KeyRecord.storedTime(.now))
        let producer = try KafkaProducer(configuration: kafka(rest: .zero), logger: logger)
        try await whileRunning(ServiceGroup(services: [directory], logger: logger)) {
            try await directory.waitUntilReady()
            _ = try await producer.send(ProducerRecord(topic: topic, key: Array(record.id.utf8), value: record.storedValue()))
            try await directory.waitUntilHolding(record)
            #expect(directory.ring.authenticate(team.presented).map(\.keyID) == .success(team.id))

            // Idle long enough for the partition's rest to reach its longest, then revoke.
            try await Task.sleep(for: .seconds(3))
            record.revokedAt = KeyRecord.storedTime(.now)
            _ = try await producer.send(ProducerRecord(topic: topic, key: Array(record.id.utf8), value: record.storedValue()))
            try await directory.waitUntilHolding(record)
            #expect(directory.ring.authenticate(team.presented) == .failure(.revoked), "waitUntilHolding returned before the revocation was read")
            #expect(directory.followed == [record])
            #expect(directory.ring.authenticate(admin.presented).map(\.keyID) == .success(admin.id))
        }
        await producer.close()
    }
}
