import ArgumentParser
import HeraldCore
import HeraldDelivery
import HeraldKafka
import HeraldProducer
import HeraldRegistry
import HeraldRouter
import Testing

@testable import HeraldCLI

/// `herald dev --topic-prefix`: every Kafka name of the four services moves under the prefix, so a
/// run on a reused broker reads nothing of an earlier one.
struct DevTopicPrefixTests {
    /// Every stored string of `value` by its path.
    static func strings(_ value: Any, path: String = "") -> [String: String] {
        if let text = value as? String { return [path: text] }
        var strings: [String: String] = [:]
        for (index, child) in Mirror(reflecting: value).children.enumerated() {
            strings.merge(Self.strings(child.value, path: path + "." + (child.label ?? "\(index)"))) { $1 }
        }
        return strings
    }

    /// The stored strings of a default configuration that name something on the broker
    /// (`herald.…`, `herald-…`) must each come back under the prefix: a topic or group field added
    /// to a configuration is checked without this test naming it. The transactional-id ledger is
    /// left out: it is shared on purpose (see `DevTopicPrefix`).
    static func expectPrefixed<Configuration>(_ service: String, _ original: Configuration, _ apply: (inout Configuration) -> Void) {
        var prefixed = original
        apply(&prefixed)
        let after = strings(prefixed)
        let names = strings(original).filter { path, text in
            (text.hasPrefix("herald.") || text.hasPrefix("herald-")) && !path.hasSuffix(".transactionalIDLedgerTopic")
        }
        #expect(!names.isEmpty, "\(service): no Kafka names found")
        for (path, name) in names.sorted(by: { $0.key < $1.key }) {
            #expect(after[path] == "run-1." + name, "\(service)\(path): \(name) became \(after[path] ?? "nothing")")
        }
    }

    @Test func everyTopicGroupAndFixedTransactionalIDIsPrefixed() {
        let kafka = KafkaConfiguration(bootstrapServers: ["127.0.0.1:9092"])
        let prefix = DevTopicPrefix(prefix: "run-1")
        Self.expectPrefixed("registry", RegistryServer.Configuration(kafka: kafka)) { prefix.apply(registry: &$0) }
        Self.expectPrefixed("producer", ProducerServer.Configuration(kafka: kafka)) { prefix.apply(producer: &$0) }
        Self.expectPrefixed("router", RouterServer.Configuration(kafka: kafka)) { prefix.apply(router: &$0) }
        Self.expectPrefixed("delivery", DeliveryServer.Configuration(kafka: kafka)) { prefix.apply(delivery: &$0) }
        var delivery = DeliveryServer.Configuration(kafka: kafka)
        prefix.apply(delivery: &delivery)
        #expect(delivery.topics.retryTiers.topics.allSatisfy { $0.hasPrefix("run-1.herald.deliveries.retry.") })
    }

    @Test func aPrefixIsMadeOfTopicCharacters() throws {
        for refused in ["a/b", "", "é"] {
            #expect {
                _ = try DevCommand.parse(["--topic-prefix", refused])
            } throws: { error in
                DevCommand.message(for: error).contains("--topic-prefix must be letters, digits, '-', '_' or '.'")
            }
        }
        #expect(try DevCommand.parse(["--topic-prefix", "console-test_1.a"]).topicPrefix == "console-test_1.a")
    }
}
