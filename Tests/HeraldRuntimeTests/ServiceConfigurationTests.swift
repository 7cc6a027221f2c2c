import ArgumentParser
import HeraldCore
import HeraldKafka
import HeraldRuntime
import Testing

/// The options every service shares become its configuration one way: the same fields, the
/// registry's address for services that read from it, and each service's own ports.
struct ServiceConfigurationTests {
    @dynamicMemberLookup
    struct RegistryClient: RegistryClientConfiguration {
        var kafka: KafkaConfiguration
        var shared = SharedServiceSettings(grpcPort: 1, httpPort: 2)
        var registryClient = RegistryClientSettings()
        init(kafka: KafkaConfiguration) { self.kafka = kafka }
    }

    enum TestPorts: ServicePortDefaults {
        static let grpcPort = 50_099
        static let httpPort = 8_099
    }

    static let shared = ["--kafka-brokers", "k1:9092, k2:9092", "--host", "0.0.0.0", "--instance-id", "eu-1", "--registry-url", "registry.internal:50050", "--insecure-no-auth"]

    @Test func sharedOptionsFillEveryServiceTheSameWay() throws {
        let common = try CommonOptions.parse(Self.shared)
        let client: RegistryClient = try common.configuration("producer", authentication: .off)
        #expect(client.host == "0.0.0.0")
        #expect(client.instanceID == "eu-1")
        #expect(client.kafka.bootstrapServers == ["k1:9092", "k2:9092"])
        #expect(client.kafka.clientID == "herald-producer-eu-1")
        #expect(client.registryAddress == "registry.internal:50050")
        #expect(client.keysTopic == "herald.api-keys")
        #expect(client.grpcPort == 1 && client.httpPort == 2, "without port options the service keeps its defaults")
    }

    @Test func portOptionsDefaultToTheServicesOwnAndCanBeGiven() throws {
        let common = try CommonOptions.parse(Self.shared)
        let defaults = try ServicePorts<TestPorts>.parse([])
        let onDefaults: RegistryClient = try common.configuration("delivery", ports: defaults)
        #expect(onDefaults.grpcPort == 50_099 && onDefaults.httpPort == 8_099)
        #expect(onDefaults.registryAddress == "registry.internal:50050")

        let given: RegistryClient = try common.configuration("router", ports: try ServicePorts<TestPorts>.parse(["--grpc-port", "0", "--http-port", "9100"]))
        #expect(given.grpcPort == 0 && given.httpPort == 9100)
    }

    @Test(arguments: [["--grpc-port", "70000"], ["--http-port", "65536"]])
    func portsOutsideTheRangeAreRefused(arguments: [String]) {
        #expect {
            _ = try ServicePorts<TestPorts>.parse(arguments)
        } throws: { error in
            ServicePorts<TestPorts>.message(for: error).contains("--grpc-port and --http-port must be between 0 and 65535")
        }
    }
}
