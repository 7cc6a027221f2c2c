import HeraldDelivery
import HeraldKafka
import HeraldRuntime

extension DeliveryServer.Configuration {
    /// A delivery service for a benchmark: free ports, private topics, group and instance id
    /// (`<prefix>….<suffix>`), a random secret key, endpoints on loopback allowed.
    static func bench(
        kafka: KafkaConfiguration, prefix: String, suffix: String, registryAddress: String, partitions: Int, concurrency: Int
    ) -> Self {
        var configuration = Self(kafka: kafka)
        configuration.grpcPort = 0
        configuration.httpPort = 0
        configuration.instanceID = "\(prefix).\(suffix)"
        configuration.consumerGroup = "\(prefix).delivery.\(suffix)"
        configuration.registryAddress = registryAddress
        configuration.allowPrivateEndpoints = true
        configuration.secretKey = .random()
        configuration.topics = .named(prefix: prefix, suffix: suffix)
        configuration.partitions = partitions
        configuration.limits.concurrency = concurrency
        return configuration
    }
}
