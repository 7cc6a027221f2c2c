@testable import HeraldKafka
import Testing

/// What librdkafka may buffer per client: bounded by default, each bound raised to hold one
/// record of the largest size, and overridable through the pass-through properties.
struct BufferBoundsTests {
    @Test func consumersAndProducersAreBoundedByDefault() {
        let configuration = KafkaConfiguration()
        #expect(configuration.consumerProperties["queued.min.messages"] == "4096")
        #expect(configuration.consumerProperties["queued.max.messages.kbytes"] == "8192")
        #expect(configuration.producerProperties["queue.buffering.max.messages"] == "10000")
        #expect(configuration.producerProperties["queue.buffering.max.kbytes"] == "32768")
    }

    @Test func eachClientKindGetsOnlyItsOwnBounds() {
        let configuration = KafkaConfiguration()
        #expect(configuration.consumerProperties["queue.buffering.max.kbytes"] == nil)
        #expect(configuration.producerProperties["queued.max.messages.kbytes"] == nil)
        #expect(configuration.clientProperties["queued.max.messages.kbytes"] == nil, "admin clients have no queue to bound")
    }

    @Test func byteBoundsHoldAtLeastOneRecordOfTheLargestSize() {
        var configuration = KafkaConfiguration(maxMessageBytes: 20 << 20)
        configuration.buffers = KafkaConfiguration.BufferBounds(consumerPrefetchKilobytes: 1024, producerQueueKilobytes: 0)
        #expect(configuration.consumerProperties["queued.max.messages.kbytes"] == "20480")
        #expect(configuration.producerProperties["queue.buffering.max.kbytes"] == "20480")
    }

    @Test func passThroughPropertiesOverrideTheBounds() {
        let configuration = KafkaConfiguration(properties: ["queued.max.messages.kbytes": "65536", "queue.buffering.max.messages": "100000"])
        #expect(configuration.consumerProperties["queued.max.messages.kbytes"] == "65536")
        #expect(configuration.producerProperties["queue.buffering.max.messages"] == "100000")
    }
}
