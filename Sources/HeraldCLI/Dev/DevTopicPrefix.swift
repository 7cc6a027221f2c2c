import HeraldCore
import HeraldDelivery
import HeraldProducer
import HeraldRegistry
import HeraldRouter
import HeraldRuntime

/// `herald dev --topic-prefix P`: every topic, consumer group and fixed transactional id of the
/// four services gets `P.` in front (`P.herald.events`, `P.herald-router`), so a run on a broker
/// that an earlier run used reads none of its records — what a test suite reusing one broker needs.
/// The transactional-id ledger (`--kafka-transactional-ids-topic`) stays shared: it holds no record
/// a run reads, only the last incarnation of each transactional id, and a fresh ledger would start
/// an id the broker has already seen at its first incarnation again.
struct DevTopicPrefix {
    let prefix: String

    func apply(registry configuration: inout RegistryServer.Configuration) {
        rename([\.topic, \.electionTopic, \.electionGroup, \.auditTopic, \.transactionalID, \.shared.keysTopic], in: &configuration)
    }

    func apply(producer configuration: inout ProducerServer.Configuration) {
        rename([\.topic, \.shared.keysTopic], in: &configuration)
    }

    func apply(router configuration: inout RouterServer.Configuration) {
        rename([
            \.groupID, \.eventsTopic, \.routesTopic, \.dedupeTopic, \.deliveriesTopic, \.deadLettersTopic, \.auditTopic, \.shared.keysTopic,
        ], in: &configuration)
    }

    func apply(delivery configuration: inout DeliveryServer.Configuration) {
        rename([
            \.consumerGroup, \.topics.deliveries, \.topics.status, \.topics.endpoints, \.topics.deadLetters, \.topics.attempts,
            \.topics.audit, \.shared.keysTopic,
        ], in: &configuration)
        let tiers = configuration.topics.retryTiers
        configuration.topics.retryTiers = RetryTiers(delays: tiers.delays, topicPrefix: "\(prefix).\(tiers.topicPrefix)")
    }

    private func rename<Configuration>(_ names: [WritableKeyPath<Configuration, String>], in configuration: inout Configuration) {
        for name in names { configuration[keyPath: name] = "\(prefix).\(configuration[keyPath: name])" }
    }
}
