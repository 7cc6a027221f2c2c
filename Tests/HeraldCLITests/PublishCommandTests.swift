import Foundation
import HeraldCore
import HeraldKafka
import HeraldTestSupport
import HeraldRegistry
import Logging
import Testing

@testable import HeraldCLI

/// `herald publish` end to end: the built `herald` binary against a registry and a producer
/// running in this process (the very assemblies the executables run), reading back what Kafka holds.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct PublishCommandTests {
    static let schema = #"{"type":"record","name":"OrderShipped","namespace":"com.example","fields":[{"name":"order_id","type":"string"},{"name":"items","type":"int"}]}"#

    @Test func oneEventFromFlagsAndAFileWithBadLines() async throws {
        let kafka = TestEnvironment.kafka()
        let logger = TestEnvironment.logger
        try await withInProcessStack(
            registry: { try await InProcessRegistry.start(kafka: kafka, prefix: "herald-test-cli", logger: logger) },
            producer: { try await InProcessProducer.start(kafka: kafka, registry: $0, partitions: 6, prefix: "herald-test-cli", logger: logger) }
        ) { registry, producer in
            try await walkThrough(registry: registry, producer: producer, kafka: kafka, logger: logger)
        }
    }

    private func walkThrough(registry: InProcessRegistry, producer: InProcessProducer, kafka: KafkaConfiguration, logger: Logger) async throws {
        let registered = try await HeraldRun(registry: registry.grpcAddress).run("schema", "register", "--subject", "orders-value", "--schema", Self.schema)
        #expect(registered.status == 0, "\(registered)")
        let herald = HeraldRun(registry: nil, environment: ["HERALD_PRODUCER_URL": producer.grpcAddress])

        // One event from flags: the answer names the partition murmur2 gives its type|source key.
        let one = try await herald.run(
            "publish", "--id", "p-1", "--type", "com.example.order.shipped", "--source", "/shop/1", "--subject", "o-1",
            "--schema-subject", "orders-value", "--data", #"{"order_id":"o-1","items":3}"#, "--extension", "tenant=acme")
        #expect(one.status == 0, "\(one)")
        let partition = Murmur2.partition(forKey: "com.example.order.shipped|/shop/1", partitionCount: 6)
        #expect(one.stdout.hasPrefix("published p-1 → partition \(partition) offset 0 (schema "), "\(one)")

        // A payload that does not match the schema: exit 2, the field named, nothing written.
        let bad = try await herald.run(
            "publish", "--id", "p-2", "--type", "com.example.order.shipped", "--source", "/shop/1",
            "--schema-subject", "orders-value", "--data", #"{"order_id":"o-2","items":"three"}"#)
        #expect(bad.status == 2, "\(bad)")
        #expect(bad.stderr.hasPrefix("error: INVALID_ARGUMENT: ") && bad.stderr.contains("items"), "\(bad)")

        // A file: good lines are published, a malformed line and a rejected event are reported, exit 1.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("herald-publish-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("""
            {"id":"f-1","subject":"o-10","data":{"order_id":"o-10","items":1}}
            this is not json
            {"id":"f-2","source":"/shop/2","data":{"order_id":"o-11","items":2}}
            {"id":"f-3","data":{"order_id":"o-12"}}
            {"id":"f-4","data":{"order_id":"o-13","items":4},"extensions":{"region":"eu"}}

            """.utf8).write(to: file)
        let bulk = try await herald.run(
            "publish", "--file", file.path, "--type", "com.example.order.shipped", "--source", "/shop/1", "--schema-subject", "orders-value")
        #expect(bulk.status == 1, "\(bulk)")
        #expect(bulk.stderr.contains("line 2: not a JSON object"), "\(bulk)")
        #expect(bulk.stderr.contains("rejected f-3: "), "\(bulk)")
        #expect(bulk.stderr.contains("4/4 answered, 1 rejected"), "\(bulk)")

        let written = try await committedRecords(topic: producer.topic, kafka: kafka, logger: logger)
            .compactMap { $0.header("ce_id").map { String(decoding: $0, as: UTF8.self) } }
        #expect(written.sorted() == ["f-1", "f-2", "f-4", "p-1"])

        // No producer there: exit 2 with the address in the message.
        let unreachable = try await HeraldRun(registry: nil, environment: ["HERALD_PRODUCER_URL": "127.0.0.1:1"]).run(
            "publish", "--type", "t", "--source", "/s", "--schema-subject", "orders-value", "--data", "{}")
        #expect(unreachable.status == 2)
        #expect(unreachable.stderr.contains("cannot reach the producer at 127.0.0.1:1"), "\(unreachable)")
    }
}
