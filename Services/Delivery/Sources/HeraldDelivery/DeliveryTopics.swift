public import HeraldCore
public import HeraldRuntime

/// Topic names of the delivery service.
public struct DeliveryTopics: Sendable, Hashable {
    public var deliveries = "herald.deliveries"
    public var status = "herald.delivery-status"
    public var endpoints = "herald.endpoints"
    public var deadLetters = "herald.deliveries.dlq"
    /// One record per attempt, keyed by delivery id: what the delivery log's attempts are filled from.
    public var attempts = "herald.delivery-attempts"
    public var retryTiers = RetryTiers()
    /// Where endpoint changes are recorded (`AuditLog`).
    public var audit = AuditLog.defaultTopic

    public init() {}

    /// A private set: each default name between `prefix.` and `.suffix` (benchmarks sharing a broker).
    public static func named(prefix: String, suffix: String) -> DeliveryTopics {
        var topics = DeliveryTopics()
        for path in [\DeliveryTopics.deliveries, \.status, \.endpoints, \.deadLetters, \.attempts, \.audit] {
            topics[keyPath: path] = "\(prefix).\(topics[keyPath: path]).\(suffix)"
        }
        topics.retryTiers = RetryTiers(topicPrefix: "\(prefix).retry.\(suffix)")
        return topics
    }

    /// Every topic the delivery consumer group reads.
    public var consumed: [String] { [deliveries] + retryTiers.topics }
}
