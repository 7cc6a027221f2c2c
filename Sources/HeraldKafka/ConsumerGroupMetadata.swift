/// A consumer's group membership (group id, generation, member id) at one moment, as a
/// transactional producer needs it to commit consumed offsets inside its transaction (KIP-447):
/// the broker rejects the offsets if the consumer has since been rebalanced out.
///
/// Held in librdkafka's serialized form, so it is a plain value that owns no C resource.
public struct ConsumerGroupMetadata: Sendable, Hashable {
    let serialized: [UInt8]
}
